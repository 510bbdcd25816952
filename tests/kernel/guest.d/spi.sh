# spi family: three spidev nodes (a loopback chip, an MCP3008 ADC, a 25xx
# EEPROM) driven by Debian's python3-spidev and by test-cuse-spi.  Sourced by
# guest-tests.sh (pass/fail/check/run_tap, $daemon, $build, $tmp); this part
# uses char major 114 only.

spi_eeprom=$tmp/spi-eeprom.bin
spi_start() {
	"$daemon" --major 114 --background --pidfile "$tmp/spi.pid" \
		--device spi:spidev0.0,chip=loopback \
		--device spi:spidev0.1,chip=mcp3008 \
		--device "spi:spidev0.2,chip=25xx:file=$spi_eeprom:twc=2000" 2>"$tmp/spi.err"
}
spi_stop() {
	local p
	p=$(cat "$tmp/spi.pid" 2>/dev/null) || return 1
	kill -TERM "$p" 2>/dev/null
	wait_gone "$p"
}
spi_py() { # DESCRIPTION PYTHON: passes when the script exits 0
	local d=$1 out
	if out=$(python3 -c "$2" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}

spi_start; rc=$?
if [ $rc -eq 0 ] && [ -c /dev/spidev0.0 ] && [ -c /dev/spidev0.1 ] && [ -c /dev/spidev0.2 ]; then
	pass "spi: /dev/spidev0.0, 0.1 and 0.2 appear"
else
	fail "spi: /dev/spidev0.0, 0.1 and 0.2 appear" "exit $rc" "$(cat "$tmp/spi.err")"
fi

spi_py "spi: python3-spidev xfer, xfer2, readbytes, writebytes through the loopback chip" '
import spidev
s = spidev.SpiDev()
s.open(0, 0)
assert s.xfer([1, 2, 3, 0xff]) == [1, 2, 3, 0xff]
data = list(range(200))
assert s.xfer2(data) == data
assert s.xfer([0x5a] * 10, 100000, 0, 8) == [0x5a] * 10
s.writebytes([9, 8, 7])
assert s.readbytes(4) == [0, 0, 0, 0], s.readbytes(4)
s.close()
'

spi_py "spi: python3-spidev mode, speed, bits and lsbfirst round-trip, and bad settings raise spidev errnos" '
import errno, spidev
s = spidev.SpiDev()
s.open(0, 0)
s.mode = 3
s.max_speed_hz = 1200000
s.bits_per_word = 16
s.lsbfirst = True
t = spidev.SpiDev(); t.open(0, 0)     # settings belong to the device, not the open
assert (t.mode & 3, t.max_speed_hz, t.bits_per_word, t.lsbfirst) == (3, 1200000, 16, True), \
    (t.mode, t.max_speed_hz, t.bits_per_word, t.lsbfirst)
assert s.xfer2([0x12, 0x34, 0x56, 0x78]) == [0x12, 0x34, 0x56, 0x78]
for attr, value in (("bits_per_word", 12), ("max_speed_hz", 0)):
    try:
        setattr(s, attr, value)
    except OSError as e:
        assert e.errno == errno.EINVAL, (attr, e)
    else:
        raise AssertionError(attr + " accepted")
try:
    s.xfer2([1, 2, 3])                # 3 bytes are not whole 16-bit words
except OSError as e:
    assert e.errno == errno.EINVAL, e
else:
    raise AssertionError("odd length accepted with 16-bit words")
s.bits_per_word = 8
s.lsbfirst = False
s.mode = 0
'

# the control interface sets the ADC inputs that a client then reads
for ch in 0 1 2 3 4 5 6 7; do
	"$build/src/bin/cusekit" -M 114 set spidev0.1 "channel/$ch" $((100 * ch + 5)) >/dev/null 2>&1
done
"$build/src/bin/cusekit" -M 114 set spidev0.1 channel/3 512 2>&1
spi_py "spi: python3-spidev reads the MCP3008 after cusekit set spidev0.1 channel/3 512 (single-ended and differential)" '
import spidev
s = spidev.SpiDev()
s.open(0, 1)
s.max_speed_hz = 1350000
def read(config):
    r = s.xfer2([1, config << 4, 0])
    return ((r[1] & 3) << 8) + r[2]
got = [read(8 + ch) for ch in range(8)]
assert got == [5, 105, 205, 512, 405, 505, 605, 705], got
assert read(2) == 0 and read(3) == 512 - 205, (read(2), read(3))   # CH2-CH3, CH3-CH2
'
"$build/src/bin/cusekit" -M 114 set spidev0.1 channel/3 305 >/dev/null 2>&1
run_tap "$build/tests/kernel/test-cuse-spi"
out=$("$build/src/bin/cusekit" -M 114 set spidev0.1 channel/0 1024 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "0 to 1023" <<<"$out"; then
	pass "spi: cusekit refuses an MCP3008 code above 1023"
else
	fail "spi: cusekit refuses an MCP3008 code above 1023" "exit $rc" "$out"
fi

spi_py "spi: python3-spidev writes the 25xx EEPROM (WREN, page write, WIP polling) and reads it back" '
import spidev, time
s = spidev.SpiDev()
s.open(0, 2)
def status():
    return s.xfer2([0x05, 0])[1]
assert status() == 0
s.xfer2([0x06])
assert status() == 0x02                       # the write-enable latch
s.xfer2([0x02, 0x00, 0x10] + list(b"cusekit"))
deadline = time.monotonic() + 5
while status() & 1:
    assert time.monotonic() < deadline, "WIP never clears"
assert status() == 0                          # latch reset by the write
assert bytes(s.xfer2([0x03, 0x00, 0x10] + [0] * 7)[3:]) == b"cusekit"
s.xfer2([0x02, 0x00, 0x20, 0xaa])             # no latch: ignored
assert s.xfer2([0x03, 0x00, 0x20, 0])[3] == 0xff
'
if spi_stop && [ ! -e /dev/spidev0.0 ]; then
	pass "spi: SIGTERM ends the daemon and removes the spidev nodes"
else
	fail "spi: SIGTERM ends the daemon and removes the spidev nodes" "$(cat "$tmp/spi.err")"
fi
out=$(dd if="$spi_eeprom" bs=1 skip=16 count=7 2>/dev/null)
if [ "$out" = cusekit ]; then
	pass "spi: the 25xx file= holds what python3-spidev wrote"
else
	fail "spi: the 25xx file= holds what python3-spidev wrote" "'$out'"
fi
