# evdev family under CUSE: /dev/input/eventN nodes made by cusekitd, driven
# by the same real clients as under cusekit run (tests/evdev/evdev-clients.py:
# evtest, evemu-describe, python3-evdev, libinput debug-events, udevadm).
# No udevd runs in this VM, and udev would not classify the node anyway (to
# the kernel it is a CUSE device, subsystem cuse, not input): the database
# entries libinput needs are written here, as cusekit run serves them for
# the same devices.  Sourced by guest-tests.sh; uses char major 242 only.

ev_dir=$(cd "$(dirname "$0")/../evdev" && pwd)
ev_desc=$ev_dir/clickpad.evemu
ev_devices="--device evdev:event27,preset=keyboard --device evdev:event28,preset=mouse --device evdev:event29,evemu=$ev_desc"
# two more mice for the evemu-record/evemu-play round trips (242:3, 242:4)
ev_mice="--device evdev:event30,preset=mouse --device evdev:event31,preset=mouse"

# shellcheck disable=SC2086
"$daemon" --major 242 --background --pidfile "$tmp/evdev.pid" $ev_devices $ev_mice 2>"$tmp/evdev.err"
rc=$?
if [ $rc -eq 0 ] && [ -c /dev/input/event27 ] && [ -c /dev/input/event29 ]; then
	pass "evdev: /dev/input/event27 .. event29 appear (DEVNAME=input/eventN)"
else
	fail "evdev: /dev/input/event27 .. event29 appear (DEVNAME=input/eventN)" "exit $rc" "$(cat "$tmp/evdev.err")"
fi
check "evdev: the nodes are char 242:0 .. 242:2" \
	test "$(stat -c '%t:%T' /dev/input/event27 /dev/input/event28 /dev/input/event29 | tr '\n' ' ')" = "f2:0 f2:1 f2:2 "
# to the kernel a CUSE device named after DEVNAME, '/' made '!' (udev's sysname: input/event27)
check "evdev: the kernel's device is /sys/class/cuse/input!event27, its uevent DEVNAME=input/event27" \
	grep -qx "DEVNAME=input/event27" "/sys/class/cuse/input!event27/uevent"

# udev's database entries, from cusekit run for the same three devices
mkdir -p /run/udev/data
ev_ok=1
for i in 0 1 2; do
	# shellcheck disable=SC2086
	if ! "$build/src/bin/cusekit" run $ev_devices -- cat "/run/udev/data/c120:$i" >"/run/udev/data/c242:$i" 2>"$tmp/evdev-udev.err" ||
	   ! grep -q '^E:ID_INPUT=1$' "/run/udev/data/c242:$i"; then
		ev_ok=0
	fi
done
if [ $ev_ok = 1 ]; then
	pass "evdev: the udev database entries (as cusekit run serves them) are in /run/udev/data"
else
	fail "evdev: the udev database entries (as cusekit run serves them) are in /run/udev/data" \
		"$(cat "$tmp/evdev-udev.err")" "$(cat /run/udev/data/c242:* 2>&1)"
fi

# the clients are part of this suite: missing ones fail here (CI=true), never skip
run_tap env CI=true CK="$build/src/bin/cusekit -M 242" python3 "$ev_dir/evdev-clients.py" event27 event28 event29 "$ev_desc"
run_tap env CI=true CK="$build/src/bin/cusekit -M 242" python3 "$ev_dir/evemu-roundtrip.py" event30 event31

evpid=$(cat "$tmp/evdev.pid" 2>/dev/null); kill -TERM "$evpid" 2>/dev/null; wait_gone "$evpid"
check "evdev: SIGTERM removes the nodes" test ! -e /dev/input/event27
rm -f /run/udev/data/c242:*
