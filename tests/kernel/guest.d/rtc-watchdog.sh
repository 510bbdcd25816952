# rtc and watchdog families, driven by Debian's own unmodified tools and by
# test-cuse-rtc-watchdog.  Sourced by guest-tests.sh (pass/fail/check/
# run_tap, $daemon, $build, $tmp); this part uses char major 126 only.

rtcwd_adj=$tmp/rtcwd-adjtime   # hwclock writes its drift file here, not to the read-only /etc
"$daemon" --major 126 --background --pidfile "$tmp/rtcwd.pid" \
	--device rtc:rtc7 \
	--device "watchdog:watchdog7,identity=cusekit test dog" \
	--device watchdog:watchdog8,timeout=1 --log-file "$tmp/rtcwd.log" 2>"$tmp/rtcwd.err"
rc=$?
rtcwd_pid=$(cat "$tmp/rtcwd.pid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -c /dev/rtc7 ] && [ -c /dev/watchdog7 ] && [ -c /dev/watchdog8 ]; then
	pass "rtc and watchdog nodes appear"
else
	fail "rtc and watchdog nodes appear" "exit $rc" "$(cat "$tmp/rtcwd.err")"
fi

# hwclock waits for the clock to tick through RTC_UIE_ON and select(); a
# broken update interrupt would make it busy-wait or time out instead.
out=$(hwclock --verbose --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --show 2>&1); rc=$?
today=$(date -u +%Y-%m-%d)
if [ $rc -eq 0 ] && grep -q "^$today " <<<"$(tail -n1 <<<"$out")" &&
   grep -q "Waiting for clock tick" <<<"$out" && grep -q "...got clock tick" <<<"$out" &&
   ! grep -qi "busywait\|timed out" <<<"$out"; then
	pass "hwclock --show reads the clock after a real update-interrupt tick ($(tail -n1 <<<"$out"))"
else
	fail "hwclock --show reads the clock after a real update-interrupt tick" "exit $rc" "$out"
fi

out=$(hwclock --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --set --date "2031-02-03 04:05:06" 2>&1); rc=$?
out2=$(hwclock --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --show 2>&1)
if [ $rc -eq 0 ] && grep -q "^2031-02-03 04:05:0[6-9]" <<<"$out2"; then
	pass "hwclock --set moves the clock, and --show reflects it ($out2)"
else
	fail "hwclock --set moves the clock, and --show reflects it" "exit $rc" "$out" "$out2"
fi
out=$(busybox hwclock -u -r -f /dev/rtc7 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "Feb  3 04:05:.. 2031" <<<"$out"; then
	pass "busybox hwclock -r reads it too ($out)"
else
	fail "busybox hwclock -r reads it too" "exit $rc" "$out"
fi
out=$(hwclock --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --systohc 2>&1); rc=$?
out2=$(hwclock --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --show 2>&1)
if [ $rc -eq 0 ] && grep -q "^$(date -u +%Y-%m-%d) " <<<"$out2"; then
	pass "hwclock --systohc sets it back ($out2)"
else
	fail "hwclock --systohc sets it back" "exit $rc" "$out" "$out2"
fi

# util-linux 2.38.1 exits 1 after a successful --param-get (fixed upstream in
# 6d8fc1cf, "hwclock: fix return value on successful --param-get"): judge the answer.
out=$(hwclock --rtc=/dev/rtc7 --param-get features 2>&1); rc=$?
if grep -q "^The RTC parameter 0x0 is set to 0x71.$" <<<"$out"; then
	pass "hwclock --param-get features: alarm, update interrupt, correction, backup switch ($out)"
else
	fail "hwclock --param-get features" "exit $rc" "$out"
fi
out=$(hwclock --rtc=/dev/rtc7 --param-set bsm=2 2>&1); rc=$?
out=$out$'\n'$(hwclock --rtc=/dev/rtc7 --param-get bsm 2>&1)
if [ $rc -eq 0 ] && grep -q "^The RTC parameter 0x2 is set to 0x2.$" <<<"$out"; then
	pass "hwclock --param-set bsm=2, then --param-get bsm"
else
	fail "hwclock --param-set bsm=2, then --param-get bsm" "exit $rc" "$out"
fi
out=$(hwclock --rtc=/dev/rtc7 --param-get 7 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "Invalid argument" <<<"$out"; then
	pass "hwclock --param-get of an unknown parameter: EINVAL, as the kernel"
else
	fail "hwclock --param-get of an unknown parameter: EINVAL, as the kernel" "exit $rc" "$out"
fi

run_tap "$build/tests/kernel/test-cuse-rtc-watchdog"

out=$(wdctl /dev/watchdog7 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "cusekit test dog" <<<"$out" && grep -q "Timeout: *60 seconds" <<<"$out" &&
   grep -q "MAGICCLOSE" <<<"$out"; then
	pass "wdctl shows identity, timeout and flags"
else
	fail "wdctl shows identity, timeout and flags" "exit $rc" "$out"
fi
out=$(wdctl -s 30 /dev/watchdog7 2>&1 && wdctl /dev/watchdog7 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "Timeout: *30 seconds" <<<"$out"; then
	pass "wdctl -s 30 sets the timeout"
else
	fail "wdctl -s 30 sets the timeout" "exit $rc" "$out"
fi
out=$(wdctl -s 0 /dev/watchdog7 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "Invalid argument" <<<"$out"; then
	pass "wdctl -s 0: EINVAL, as the kernel"
else
	fail "wdctl -s 0: EINVAL, as the kernel" "exit $rc" "$out"
fi
if grep -q "watchdog8: watchdog expired" "$tmp/rtcwd.log"; then
	pass "an expiry is logged as the reset it would have been"
else
	fail "an expiry is logged as the reset it would have been" "$(tail -n5 "$tmp/rtcwd.log")"
fi

check "after all that bad input, the rtc still serves" \
	hwclock --rtc=/dev/rtc7 --utc --adjfile="$rtcwd_adj" --show

# the control interface: the offset is the clock, the watchdog's reset is visible
"$build/src/bin/cusekit" -M 126 set rtc7 offset 315360000 2>&1   # ten years ahead
out=$(busybox hwclock -u -r -f /dev/rtc7 2>&1)
if grep -q "$(( $(date -u +%Y) + 10 ))" <<<"$out"; then
	pass "cusekit set rtc7 offset moves the clock hwclock reads ($out)"
else
	fail "cusekit set rtc7 offset moves the clock hwclock reads" "$out"
fi
out=$("$build/src/bin/cusekit" -M 126 get watchdog8 2>&1)
if grep -q "^resets = [1-9]" <<<"$out" && grep -q "^expired = true" <<<"$out"; then
	pass "cusekit get shows the watchdog's recorded resets"
else
	fail "cusekit get shows the watchdog's recorded resets" "$out"
fi
kill -TERM "$rtcwd_pid" 2>/dev/null; wait_gone "$rtcwd_pid"
check "the rtc and watchdog nodes go with their daemon" test ! -e /dev/rtc7 -a ! -e /dev/watchdog7
