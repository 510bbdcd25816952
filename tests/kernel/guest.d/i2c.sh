# i2c family: an emulated adapter with a 24c02 EEPROM and an LM75, driven by
# Debian's unmodified i2c-tools and by test-cuse-i2c.  Sourced by
# guest-tests.sh (pass/fail/check/run_tap, $daemon, $build, $tmp); this part
# uses char major 127 only.

i2c_eeprom=$tmp/i2c-eeprom.bin
i2c_start() {
	"$daemon" --major 127 --background --pidfile "$tmp/i2c.pid" \
		--device "i2c:i2c-7,chip=24c02@0x50:file=$i2c_eeprom,chip=lm75@0x48:temp=42500" \
		2>"$tmp/i2c.err"
}
i2c_stop() {
	local p
	p=$(cat "$tmp/i2c.pid" 2>/dev/null) || return 1
	kill -TERM "$p" 2>/dev/null
	wait_gone "$p"
}

i2c_start; rc=$?
if [ $rc -eq 0 ] && [ -c /dev/i2c-7 ]; then
	pass "i2c: /dev/i2c-7 appears"
else
	fail "i2c: /dev/i2c-7 appears" "exit $rc" "$(cat "$tmp/i2c.err")"
fi

out=$(i2cdetect -F 7 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^I2C  *yes" <<<"$out" && grep -q "^SMBus Quick Command  *yes" <<<"$out" &&
   grep -q "^SMBus Block Read  *yes" <<<"$out" && grep -q "^SMBus PEC  *yes" <<<"$out"; then
	pass "i2c: i2cdetect -F 7 lists the adapter's functions"
else
	fail "i2c: i2cdetect -F 7 lists the adapter's functions" "exit $rc" "$out"
fi

# Every cell of the grid that is not "--" (or blank) is a chip that answered.
out=$(i2cdetect -y 7 2>&1); rc=$?
found=$(tail -n +2 <<<"$out" | cut -c5- | tr -s ' ' '\n' | grep -v -e '^--$' -e '^$' | tr '\n' ' ')
if [ $rc -eq 0 ] && [ "$found" = "48 50 " ]; then
	pass "i2c: i2cdetect -y 7 finds exactly the LM75 at 0x48 and the EEPROM at 0x50"
else
	fail "i2c: i2cdetect -y 7 finds exactly the LM75 at 0x48 and the EEPROM at 0x50" "exit $rc, found '$found'" "$out"
fi

out=$(i2cset -y 7 0x50 0x10 0xab 2>&1 && i2cget -y 7 0x50 0x10 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0xab" ]; then
	pass "i2c: i2cset/i2cget round-trip a byte through the EEPROM"
else
	fail "i2c: i2cset/i2cget round-trip a byte through the EEPROM" "exit $rc" "$out"
fi
out=$(i2cset -y 7 0x50 0x20 0x1234 w 2>&1 && i2cget -y 7 0x50 0x20 w 2>&1 && i2cget -y 7 0x50 0x21 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "$(printf '0x1234\n0x12')" ]; then
	pass "i2c: a word written with i2cset reads back, low byte first in the EEPROM"
else
	fail "i2c: a word written with i2cset reads back, low byte first in the EEPROM" "exit $rc" "$out"
fi
# i2cset's i mode: an I2C block write of 10 bytes at 0x3c wraps in the page 0x38..0x3f
out=$(i2cset -y 7 0x50 0x3c 0 1 2 3 4 5 6 7 8 9 i 2>&1 && i2ctransfer -y 7 w1@0x50 0x38 r8 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0x04 0x05 0x06 0x07 0x08 0x09 0x02 0x03" ]; then
	pass "i2c: a page write wraps within its 8-byte page (i2cset i, i2ctransfer through I2C_RDWR)"
else
	fail "i2c: a page write wraps within its 8-byte page (i2cset i, i2ctransfer through I2C_RDWR)" "exit $rc" "$out"
fi
out=$(i2cget -y 7 0x50 0x38 i 4 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0x04 0x05 0x06 0x07" ]; then
	pass "i2c: i2cget i reads an I2C block"
else
	fail "i2c: i2cget i reads an I2C block" "exit $rc" "$out"
fi
out=$(i2cget -y 7 0x48 0 w 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0x802a" ]; then
	pass "i2c: i2cget reads the LM75's 42.5 C set by temp= (0x802a)"
else
	fail "i2c: i2cget reads the LM75's 42.5 C set by temp= (0x802a)" "exit $rc" "$out"
fi
out=$(i2cset -y 7 0x48 3 0xff37 w 2>&1 && i2cget -y 7 0x48 3 w 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0x8037" ]; then
	pass "i2c: the LM75's over-temperature limit keeps its nine bits (55.5 C)"
else
	fail "i2c: the LM75's over-temperature limit keeps its nine bits (55.5 C)" "exit $rc" "$out"
fi
out=$(i2cget -y 7 0x51 0 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "Read failed" <<<"$out"; then
	pass "i2c: an absent address does not answer"
else
	fail "i2c: an absent address does not answer" "exit $rc" "$out"
fi
out=$(i2cdump -y -r 0x10-0x1f 7 0x50 b 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^10: ab ff" <<<"$out"; then
	pass "i2c: i2cdump shows the EEPROM"
else
	fail "i2c: i2cdump shows the EEPROM" "exit $rc" "$out"
fi

run_tap "$build/tests/kernel/test-cuse-i2c"

if i2c_stop && [ ! -e /dev/i2c-7 ]; then
	pass "i2c: SIGTERM ends the daemon and removes /dev/i2c-7"
else
	fail "i2c: SIGTERM ends the daemon and removes /dev/i2c-7" "$(cat "$tmp/i2c.err")"
fi
out=$(od -An -tx1 -j16 -N1 "$i2c_eeprom" 2>&1)
if [ "$out" = " ab" ]; then
	pass "i2c: the EEPROM's file= holds what was written"
else
	fail "i2c: the EEPROM's file= holds what was written" "$out"
fi
i2c_start
out=$(i2cget -y 7 0x50 0x10 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "0xab" ]; then
	pass "i2c: a new daemon loads the EEPROM from its file"
else
	fail "i2c: a new daemon loads the EEPROM from its file" "exit $rc" "$out" "$(cat "$tmp/i2c.err")"
fi

# the control interface: the LM75's temperature and the EEPROM's bytes
"$build/src/bin/cusekit" -M 127 set i2c-7 0x48/temperature -5000 2>&1
out=$(i2cget -y 7 0x48 0 w 2>&1)
if [ "$out" = "0x00fb" ]; then
	pass "i2c: cusekit sets the LM75 temperature that i2cget reads (-5.0 C: $out)"
else
	fail "i2c: cusekit sets the LM75 temperature that i2cget reads" "$out"
fi
out=$("$build/src/bin/cusekit" -M 127 --json get i2c-7 0x50/bytes 2>&1)
if python3 -c 'import json,sys; b=json.loads(sys.argv[1])["0x50/bytes"]; assert b[0x10] == 0xab, b[0x10]' "$out"; then
	pass "i2c: cusekit reads the EEPROM's bytes"
else
	fail "i2c: cusekit reads the EEPROM's bytes" "$out"
fi
i2c_stop || fail "i2c: the second daemon stops" "$(cat "$tmp/i2c.err")"
