#!/bin/bash
# Inside `cusekit run` (started by run-tools.sh) with
#   rtc:rtc7  watchdog:watchdog7  i2c:i2c-7,chip=24c02@0x50,chip=lm75@0x48:temp=42500
#   fifo:fifo0  fifo:full (shadowing the host's /dev/full)
# Every family's real, unmodified clients; `cusekit` reaches this run's own
# control socket through $CUSEKIT_CONTROL.  Needs BUSYBOX_STATIC.
set -u
. "$RUN_TESTS_DIR/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -n "${CUSEKIT_CONTROL:-}" ] && [ -S "$CUSEKIT_CONTROL" ] &&
	pass "the run exports its control socket as CUSEKIT_CONTROL" ||
	fail "the run exports its control socket as CUSEKIT_CONTROL" "CUSEKIT_CONTROL=${CUSEKIT_CONTROL:-}"
check "cusekit list reaches the run's own devices" \
	'^rtc7 +rtc +/dev/rtc7' cusekit list
check "test -c and stat see character devices with the run's numbers" \
	'^character special file 78:2 600$' \
	sh -c 'test -c /dev/rtc7 && test -c /dev/i2c-7 && stat -c "%F %t:%T %a" /dev/i2c-7'

out=$(ls -l /dev/rtc7 /dev/i2c-7 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^crw------- ' <<<"$out")" = 2 ] && [ "$(wc -l <<<"$out")" = 2 ] &&
	pass "ls -l shows the nodes, and nothing else (no xattr error)" ||
	fail "ls -l shows the nodes, and nothing else (no xattr error)" "exit $rc" "$out"

# --- rtc: util-linux hwclock, busybox-static hwclock ---
hw() { hwclock --rtc=/dev/rtc7 --utc --noadjfile "$@"; }
out=$(hw --verbose --show 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^$(date -u +%Y-%m-%d) " <<<"$(tail -n1 <<<"$out")" &&
   grep -q "...got clock tick" <<<"$out" && ! grep -qi "busywait\|timed out" <<<"$out"; then
	pass "hwclock --show reads the clock after a real update-interrupt tick ($(tail -n1 <<<"$out"))"
else
	fail "hwclock --show reads the clock after a real update-interrupt tick" "exit $rc" "$out"
fi
# RTC_SET_TIME and RTC_PARAM_SET need CAP_SYS_TIME, as in drivers/rtc/dev.c:
# root sets the clock; nobody is refused with EACCES and moves it through
# the control socket instead.
capeff=0x$(awk '/^CapEff:/ {print $2}' /proc/self/status)
if (( (capeff >> 25) & 1 )); then
	out=$(hw --set --date "2031-02-03 04:05:06" 2>&1); rc=$?
	out2=$(hw --show 2>&1)
	# hwclock waits for second boundaries: on a loaded machine seconds go by
	if [ $rc -eq 0 ] && grep -q "^2031-02-03 04:05:[0-3][0-9]" <<<"$out2"; then
		pass "hwclock --set moves the clock, --show reflects it ($out2)"
	else
		fail "hwclock --set moves the clock, --show reflects it" "exit $rc" "$out" "$out2"
	fi
	bb_date='Feb  3 04:05:.. 2031'
else
	check_fails "without CAP_SYS_TIME hwclock --set is refused (EACCES, as the kernel)" \
		'RTC_SET_TIME.*Permission denied' hw --set --date "2031-02-03 04:05:06"
	check "... and the clock is untouched" "^$(date -u +%Y-%m-%d) " hw --show
	bb_date=" $(date -u +%Y)  "
fi

bb=${BUSYBOX_STATIC:-}
if [ -z "$bb" ] || ! [ -x "$bb" ]; then
	skip "busybox-static hwclock and i2cget" "no busybox-static binary (BUSYBOX_STATIC=$bb; .ci/install-deps unpacks one)"
	bb=
elif ! file -L "$bb" | grep -q "statically linked" || readelf -l "$bb" | grep -q INTERP; then
	fail "the busybox under test is statically linked" "$(file -L "$bb")"
	bb=
else
	pass "the busybox under test is statically linked (no preload could serve it)"
fi
if [ -n "$bb" ]; then
	check "busybox-static hwclock -r reads the clock" "$bb_date" "$bb" hwclock -u -r -f /dev/rtc7
fi

# util-linux 2.38.1 exits 1 after a successful --param-get (fixed upstream in
# 6d8fc1cf): judge the answer, as the kernel suite does.
out=$(hwclock --rtc=/dev/rtc7 --param-get features 2>&1)
grep -q "^The RTC parameter 0x0 is set to 0x71.$" <<<"$out" &&
	pass "hwclock --param-get features ($out)" || fail "hwclock --param-get features" "$out"
if (( (capeff >> 25) & 1 )); then
	out=$(hw --systohc 2>&1); rc=$?
	check "hwclock --systohc sets it back" "^$(date -u +%Y-%m-%d) " hw --show
	out=$(hwclock --rtc=/dev/rtc7 --param-set bsm=2 2>&1); rc=$?
	out=$out$'\n'$(hwclock --rtc=/dev/rtc7 --param-get bsm 2>&1)
	[ $rc -eq 0 ] && grep -q "^The RTC parameter 0x2 is set to 0x2.$" <<<"$out" &&
		pass "hwclock --param-set bsm=2, then --param-get bsm" ||
		fail "hwclock --param-set bsm=2, then --param-get bsm" "exit $rc" "$out"
else
	check_fails "without CAP_SYS_TIME hwclock --systohc is refused too" 'Permission denied' hw --systohc
	check_fails "without CAP_SYS_TIME hwclock --param-set is refused (EACCES)" \
		'RTC_PARAM_SET.*Permission denied' hwclock --rtc=/dev/rtc7 --param-set bsm=2
fi
check_fails "hwclock --param-get of an unknown parameter: EINVAL, as the kernel" \
	'Invalid argument' hwclock --rtc=/dev/rtc7 --param-get 7
cusekit set rtc7 offset 315360000 >/dev/null 2>&1   # ten years ahead
if [ -n "$bb" ]; then
	check "cusekit set rtc7 offset moves the clock busybox reads" "$(( $(date -u +%Y) + 10 ))" \
		"$bb" hwclock -u -r -f /dev/rtc7
else
	check "cusekit set rtc7 offset moves the clock hwclock reads" "^$(( $(date -u +%Y) + 10 ))-" hw --show
fi

# FIOASYNC: rtc has fasync (rtc_dev_fasync), so SIGIO reaches the F_SETOWN
# owner when an update interrupt makes it readable; the watchdog core has
# none: ENOTTY (fs/ioctl.c ioctl_fioasync())
check "FIOASYNC on the rtc: SIGIO on an update interrupt; on the watchdog: ENOTTY" '^sigio 1 watchdog 25$' \
	/usr/bin/python3 -c '
import errno, fcntl, os, signal, struct, termios, time
got = []
signal.signal(signal.SIGIO, lambda s, f: got.append(s))
fd = os.open("/dev/rtc7", os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
fcntl.ioctl(fd, termios.FIOASYNC, struct.pack("i", 1))
fcntl.ioctl(fd, 0x7003)                  # RTC_UIE_ON
for _ in range(40):
    if got:
        break
    time.sleep(0.1)
os.close(fd)
w = os.open("/dev/watchdog7", os.O_WRONLY)
try:
    fcntl.ioctl(w, termios.FIOASYNC, struct.pack("i", 1)); e = 0
except OSError as x:
    e = x.errno
os.write(w, b"V"); os.close(w)
print("sigio", len(got[:1]), "watchdog", e)
'

# --- watchdog: wdctl ---
check "wdctl shows identity, timeout and flags" 'Timeout: +60 seconds' wdctl /dev/watchdog7
# wdctl -s closes the device and opens it again at once: an exclusive
# device must be released by then (it was not: EBUSY).
check "wdctl -s 30 sets the timeout (close, then reopen at once)" \
	'Timeout has been set to 30 seconds' wdctl -s 30 /dev/watchdog7
check "wdctl shows the new timeout" 'Timeout: +30 seconds' wdctl /dev/watchdog7
check "cusekit get watchdog7 shows it too" '^timeout = 30' cusekit get watchdog7
check_fails "wdctl -s 0: EINVAL, as the kernel" 'Invalid argument' wdctl -s 0 /dev/watchdog7

# --- the emulated /sys: rtcwake, i2cdetect -l ---
check "rtcwake -m show finds rtc7 through /sys/class/rtc: no alarm" '^alarm: off' rtcwake -m show -d rtc7
now=$(cat /sys/class/rtc/rtc7/since_epoch)
check "rtcwake -m no -s 60 sets the wake alarm (device/power/wakeup enabled)" 'wakeup using rtc7 at' \
	rtcwake -m no -d rtc7 -s 60
check "rtcwake -m show sees it on" '^alarm: on ' rtcwake -m show -d rtc7
alarm=$(cat /sys/class/rtc/rtc7/wakealarm 2>&1)
[[ $alarm =~ ^[0-9]+$ ]] && [ "$alarm" -ge $((now + 55)) ] && [ "$alarm" -le $((now + 65)) ] &&
	pass "/sys/class/rtc/rtc7/wakealarm is 60 s after since_epoch" ||
	fail "/sys/class/rtc/rtc7/wakealarm is 60 s after since_epoch" "since_epoch $now, wakealarm $alarm"
check "rtcwake -m disable clears it" '^alarm: off' sh -c 'rtcwake -m disable -d rtc7 && rtcwake -m show -d rtc7'
check "/sys/class/rtc/rtc7/dev names the node's numbers" '^120:0$' cat /sys/class/rtc/rtc7/dev
check "i2cdetect -l lists the adapter (from /sys/class/i2c-dev)" $'^i2c-7\ti2c +\tcusekit I2C adapter' i2cdetect -l

# --- i2c: i2c-tools, busybox-static, python3-smbus ---
out=$(i2cdetect -y 7 2>&1); rc=$?
found=$(sed -n 's/^[0-7]0: //p' <<<"$out" | tr ' ' '\n' | grep -E '^[0-9a-f]{2}$' | tr '\n' ' ')
if [ $rc -eq 0 ] && [ "$found" = "48 50 " ]; then
	pass "i2cdetect -y finds the LM75 at 0x48 and the EEPROM at 0x50, nothing else"
else
	fail "i2cdetect -y finds the LM75 at 0x48 and the EEPROM at 0x50, nothing else" "exit $rc" "$out"
fi
check "i2cdetect -F lists I2C and SMBus functionality" 'SMBus Quick Command +yes' i2cdetect -F 7
check "i2cset writes the EEPROM" '' i2cset -y 7 0x50 0x10 0xab
check "i2cget reads it back" '^0xab$' i2cget -y 7 0x50 0x10
check "i2ctransfer (I2C_RDWR, nested messages) reads it" '^0xab 0xff$' i2ctransfer -y 7 w1@0x50 0x10 r2
check "i2ctransfer writes a page" '' i2ctransfer -y 7 w5@0x50 0x20 1 2 3 4
check "i2cdump shows both writes" '^20: 01 02 03 04 ff' i2cdump -y 7 0x50 b
check "i2cdump line 0x10" '^10: ab ff ' i2cdump -y 7 0x50 b
check "i2cget reads the LM75's 42.5 C as an SMBus word" '^0x802a$' i2cget -y 7 0x48 0 w
check_fails "i2cget of an absent address fails (NACK: ENXIO)" 'No such device or address|Read failed' \
	i2cget -y 7 0x51 0
check "cusekit set i2c-7 0x48/temperature -5000" '' cusekit set i2c-7 0x48/temperature -5000
check "i2cget sees -5 C (0x00fb)" '^0x00fb$' i2cget -y 7 0x48 0 w
if [ -n "$bb" ]; then
	check "busybox-static i2cget reads -5 C too" '^0x00fb$' "$bb" i2cget -y 7 0x48 0 w
fi
out=$(python3 - 2>&1 <<'PY'
import smbus
bus = smbus.SMBus(7)
assert bus.read_word_data(0x48, 0) == 0x00fb, hex(bus.read_word_data(0x48, 0))
bus.write_i2c_block_data(0x50, 0x30, [9, 8, 7])
assert bus.read_i2c_block_data(0x50, 0x30, 4) == [9, 8, 7, 0xff], bus.read_i2c_block_data(0x50, 0x30, 4)
assert bus.read_byte_data(0x50, 0x10) == 0xab
try:
    bus.read_byte_data(0x51, 0)
    raise SystemExit("0x51 answered")
except OSError as e:
    assert e.errno == 6, e  # ENXIO
print("smbus ok")
PY
); rc=$?
[ $rc -eq 0 ] && [ "$out" = "smbus ok" ] && pass "python3 smbus: word, block write/read, NACK" ||
	fail "python3 smbus: word, block write/read, NACK" "exit $rc" "$out"
check "the EEPROM's bytes are state: cusekit get shows python's write" '0x09, 0x08, 0x07' cusekit get i2c-7 0x50/bytes

cusekit fault add i2c-7 ioctl:I2C_SMBUS --errno EIO --count 1 >/dev/null 2>&1
out1=$(i2cget -y 7 0x50 0x10 2>&1); rc1=$?
out2=$(i2cget -y 7 0x50 0x10 2>&1); rc2=$?
if [ $rc1 -ne 0 ] && grep -q "Input/output error\|Read failed" <<<"$out1" && [ $rc2 -eq 0 ] && [ "$out2" = 0xab ]; then
	pass "an injected I2C_SMBUS EIO fault (--count 1) reaches i2cget once"
else
	fail "an injected I2C_SMBUS EIO fault (--count 1) reaches i2cget once" "first: exit $rc1 $out1" "second: exit $rc2 $out2"
fi
check "cusekit trace shows the served SMBus transfers, the refused one with EIO" \
	'I2C_SMBUS.*EIO' cusekit trace -n 50

# --- fifo: the shell, cat, dd ---
check "shell redirection: echo > /dev/fifo0, then dd reads it" '^hello$' \
	sh -c 'echo hello >/dev/fifo0 && dd if=/dev/fifo0 bs=64 count=1 status=none'
out=$(dd if=/dev/zero of=/dev/fifo0 bs=512 count=4 2>&1 && dd if=/dev/fifo0 bs=4096 count=1 status=none | wc -c); rc=$?
[ $rc -eq 0 ] && [ "$(tail -n1 <<<"$out")" = 2048 ] && grep -q "^2048 bytes" <<<"$out" &&
	pass "dd: 4 writes of 512 bytes, one read of 2048" || fail "dd: 4 writes of 512 bytes, one read of 2048" "$out"
out=$(sh -c 'exec 3<>/dev/fifo0; printf "one line\n" >&3; read -r line <&3; echo "$line"; cusekit list' 2>&1)
grep -q "^one line$" <<<"$out" && grep -q "^fifo0 .* 1$" <<<"$out" &&
	pass "exec 3<>/dev/fifo0: write and read one descriptor, one open while it lives" ||
	fail "exec 3<>/dev/fifo0: write and read one descriptor, one open while it lives" "$out"
# a blocking writer with no room waits (parked) until a reader makes some, as at a pipe
dd if=/dev/zero of=/dev/fifo0 bs=65536 count=2 status=none 2>"$tmp/dd-full.err" &
writer=$!
sleep 0.3
kill -0 "$writer" 2>/dev/null; blocked=$?
got=$(dd if=/dev/fifo0 bs=65536 count=2 iflag=fullblock status=none | wc -c)
wait "$writer"; rc=$?
[ $blocked -eq 0 ] && [ $rc -eq 0 ] && [ "$got" = 131072 ] &&
	pass "dd: a write to a full fifo blocks until a read makes room" ||
	fail "dd: a write to a full fifo blocks until a read makes room" "blocked $blocked, exit $rc, read $got" "$(cat "$tmp/dd-full.err")"
# cat blocks on the empty fifo until killed; the run goes on serving.
# --foreground: timeout then kills cat alone and reaps it; without, it kills
# its whole group and exits while cat may still be dying, and a dying reader
# can take the next write's bytes (with a kernel pipe too).
timeout --foreground -s KILL 0.5 cat /dev/fifo0 >"$tmp/cat.out"; rc=$?
printf 'after\n' >/dev/fifo0
out=$(cat "$tmp/cat.out"; dd if=/dev/fifo0 bs=64 count=1 status=none)
[ $rc -eq 137 ] && [ "$out" = after ] &&
	pass "cat parked on an empty fifo, killed: the next write and read are served" ||
	fail "cat parked on an empty fifo, killed: the next write and read are served" "cat exit $rc" "$out"
printf 'from a writer\n' >"$tmp/in"
(sleep 0.3; cat "$tmp/in" >/dev/fifo0) &
out=$(head -n1 /dev/fifo0)
wait
[ "$out" = "from a writer" ] && pass "head waits for a later writer (cat file > /dev/fifo0)" ||
	fail "head waits for a later writer (cat file > /dev/fifo0)" "$out"

# --- a real node of the same name is shadowed, never touched ---
out=$(sh -c 'echo shadow >/dev/full && dd if=/dev/full bs=64 count=1 status=none' 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = shadow ] && pass "/dev/full is the emulated fifo here (the host's would say ENOSPC)" ||
	fail "/dev/full is the emulated fifo here (the host's would say ENOSPC)" "exit $rc" "$out"
check "opens are released: cusekit list shows 0 for every device" '' \
	sh -c '! cusekit list | awk "NR > 1 && \$NF != 0" | grep .'
