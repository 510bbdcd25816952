# The differential suite: the same battery (tests/diff/ck-diff.c) against
# the real kernel drivers of this VM and against cusekit's emulations, in
# this one boot, as root and again with every capability dropped.  Each
# family passes only when every difference is one ck-diff explains (the
# real chip's model, or CUSE's front end).  Sourced by guest-tests.sh
# (pass/fail/check, $daemon, $build, $tmp); this part uses char major 125.

diff_bin=$build/tests/diff/ck-diff
diff_mods=/run/cusekit-vm/modules
diff_out=$tmp/diff
mkdir -p "$diff_out"

# Real drivers from the kernel package (vm-init.sh copies them here), in
# their dependency order; softdog must not reboot the VM when it expires.
diff_load() {
	local m args
	[ -s "$diff_mods/load-order" ] || { echo "no $diff_mods/load-order (VM built without them?)"; return 1; }
	while read -r m; do
		case $m in
		softdog) args="soft_noboot=1" ;;
		i2c-stub | i2c_stub) args="chip_addr=0x50" ;;
		*) args= ;;
		esac
		grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
		insmod "$diff_mods/$m.ko" $args || { echo "insmod $m $args failed"; return 1; }
	done <"$diff_mods/load-order"
}
# The /dev node of the class device whose sysfs attribute ATTR begins with VALUE.
diff_node() { # CLASS ATTR VALUE
	local d
	for d in /sys/class/"$1"/*; do
		case $(cat "$d/$2" 2>/dev/null) in "$3"*) ;; *) continue ;; esac
		d=/dev/${d##*/}
		for _ in $(seq 50); do [ -c "$d" ] && { echo "$d"; return 0; }; sleep 0.1; done
	done
	return 1
}

if out=$(diff_load 2>&1); then
	pass "differential: the real drivers load (softdog soft_noboot=1, i2c-dev, i2c-stub chip_addr=0x50, evdev, uinput)"
else
	fail "differential: the real drivers load (softdog soft_noboot=1, i2c-dev, i2c-stub chip_addr=0x50, evdev, uinput)" "$out"
fi
real_rtc=$(diff_node rtc name rtc_cmos)
real_wd=$(diff_node watchdog identity "Software Watchdog")
real_i2c=$(diff_node i2c-dev name "SMBus stub driver")

diff_specs=(rtc:rtc9 watchdog:watchdog9 i2c:i2c-9,chip=24c02@0x50 watchdog:watchdog10,nowayout=1
	evdev:event19,preset=keyboard evdev:event20,preset=gamepad)
diff_devices=()
for spec in "${diff_specs[@]}"; do diff_devices+=(--device "$spec"); done
"$daemon" --major 125 --background --pidfile "$tmp/diff.pid" "${diff_devices[@]}" 2>"$tmp/diff.err"
diff_pid=$(cat "$tmp/diff.pid" 2>/dev/null)

diff_compare() { # FAMILY SIDE [seccomp]: the real run against SIDE's
	local fam=$1 side=$2 out rc what="$real against $emu"
	[ -n "${3:-}" ] && what="$real against $emu under cusekit run"
	out=$("$diff_bin" compare "$fam" "$diff_out/$fam.real" "$diff_out/$fam.$side" ${3:-} 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		pass "differential $(head -n1 <<<"$out") ($what)"
		tail -n +2 <<<"$out"
	else
		fail "differential $(head -n1 <<<"$out") ($what)" "$(tail -n +2 <<<"$out")" \
			"$(cat "$diff_out/$fam.real.err" "$diff_out/$fam.$side.err")"
	fi
}

diff_family() { # FAMILY REAL_NODE EMULATED_NODE DEVICE_SPEC
	local fam=$1 real=$2 emu=$3 spec=$4 side node
	if [ -z "$real" ] || [ ! -c "$emu" ]; then
		fail "differential $fam: both nodes exist" "real '${real:-none}', emulated '$emu'" \
			"$(ls /sys/class/rtc /sys/class/watchdog /sys/class/i2c-dev 2>&1)" "$(cat "$tmp/diff.err")"
		return
	fi
	# evdev's events from the device itself: the family's `events` state
	export CK_DIFF_CLI="$build/src/bin/cusekit -M 125"
	for side in real emu; do
		node=$real
		[ $side = emu ] && node=$emu
		{
			"$diff_bin" run "$fam" "$node"
			setpriv --inh-caps=-all --bounding-set=-all -- "$diff_bin" run "$fam" "$node" nocap
		} >"$diff_out/$fam.$side" 2>"$diff_out/$fam.$side.err"
	done
	diff_compare "$fam" emu
	# the same battery through the seccomp transport, one run for both
	# halves so that state carries over as it does on the other two nodes
	CK_DIFF_CLI=$build/src/bin/cusekit "$build/src/bin/cusekit" run --device "$spec" -- sh -c '
		"$1" run "$2" "$3"
		setpriv --inh-caps=-all --bounding-set=-all -- "$1" run "$2" "$3" nocap' \
		sh "$diff_bin" "$fam" "$emu" >"$diff_out/$fam.run" 2>"$diff_out/$fam.run.err"
	diff_compare "$fam" run seccomp
	# measured, not compared (see ck-diff.c): how the periods kept time on each side
	cat "$diff_out/$fam.real.err" "$diff_out/$fam.emu.err" "$diff_out/$fam.run.err" |
		sed -n 's/^ck-diff: timing /# timing /p'
	# the raw runs, for docs/FIDELITY.md and for whoever debugs a failure
	[ -n "${CUSEKIT_DIFF_KEEP:-}" ] &&
		cp "$diff_out/$fam.real" "$diff_out/$fam.emu" "$diff_out/$fam.run" "$CUSEKIT_DIFF_KEEP/" 2>/dev/null
}

diff_family rtc "$real_rtc" /dev/rtc9 "${diff_specs[0]}"
diff_family watchdog "$real_wd" /dev/watchdog9 "${diff_specs[1]}"
diff_family i2c "$real_i2c" /dev/i2c-9 "${diff_specs[2]}"
# evdev: the real side is evdev.ko over a uinput device that ck-diff makes
# as a clone of the emulated one (name, id, bits, absinfo, effect slots)
real_uinput=
[ -c /dev/uinput ] && real_uinput=uinput:
diff_family evdev-keyboard "${real_uinput:+${real_uinput}/dev/input/event19}" /dev/input/event19 "${diff_specs[4]}"
diff_family evdev-gamepad "${real_uinput:+${real_uinput}/dev/input/event20}" /dev/input/event20 "${diff_specs[5]}"

# nowayout: softdog again, with nowayout=1 (once started it never stops:
# harmless with soft_noboot=1, and the last thing this part does with it)
real_wd=
if rmmod softdog 2>"$tmp/diff-rmmod.err" &&
   insmod "$diff_mods/softdog.ko" soft_noboot=1 nowayout=1 2>>"$tmp/diff-rmmod.err"; then
	real_wd=$(diff_node watchdog identity "Software Watchdog")
else
	cat "$tmp/diff-rmmod.err" >>"$tmp/diff.err"
fi
diff_family watchdog-nowayout "$real_wd" /dev/watchdog10 "${diff_specs[3]}"

kill -TERM "$diff_pid" 2>/dev/null; wait_gone "$diff_pid"
