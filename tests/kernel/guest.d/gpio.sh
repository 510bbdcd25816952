# gpio family under CUSE: chip and line info work through a real /dev node;
# a line request (an ioctl that returns a descriptor) cannot, since CUSE
# cannot put a descriptor into its client: it answers EOPNOTSUPP and leaves
# the line free.  (The gpiod tools themselves run under cusekit run, in the
# run suite: tests/gpio.)  Sourced by guest-tests.sh; uses char major 241 only.

gpio_py() { # DESCRIPTION PYTHON: passes when the script exits 0
	local d=$1 out
	if out=$(python3 -c "$2" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}

"$daemon" --major 241 --background --pidfile "$tmp/gpio.pid" \
	--device gpio:gpiochip7,lines=4,names=reset:led 2>"$tmp/gpio.err"
rc=$?
if [ $rc -eq 0 ] && [ -c /dev/gpiochip7 ]; then
	pass "gpio: /dev/gpiochip7 appears"
else
	fail "gpio: /dev/gpiochip7 appears" "exit $rc" "$(cat "$tmp/gpio.err")"
fi

gpio_py "gpio: chip and line info through CUSE; line requests answer EOPNOTSUPP, the line stays free" '
import errno, fcntl, os, struct
def IOC(d, nr, size): return (d << 30) | (size << 16) | (0xB4 << 8) | nr
fd = os.open("/dev/gpiochip7", os.O_RDWR)
info = fcntl.ioctl(fd, IOC(2, 0x01, 68), bytes(68))
name, label, lines = struct.unpack("32s32sI", info)
assert name.rstrip(b"\0") == b"gpiochip7" and label.rstrip(b"\0") == b"cusekit-gpio" and lines == 4, info
def line(offset):
    return struct.unpack("II32s32s", fcntl.ioctl(fd, IOC(3, 0x02, 72), struct.pack("II32s32s", offset, 0, b"", b"")))
off, flags, lname, consumer = line(1)
assert lname.rstrip(b"\0") == b"led" and flags == 0, (lname, flags)
req = struct.pack("64II64B32sIi", *([1] + [0] * 63), 1, *([0] * 64), b"cuse", 1, 0)   # line 1, INPUT
assert len(req) == 364
try:
    fcntl.ioctl(fd, IOC(3, 0x03, 364), req)
    raise SystemExit("GPIO_GET_LINEHANDLE_IOCTL succeeded under CUSE")
except OSError as e:
    assert e.errno == errno.EOPNOTSUPP, e
assert line(1)[1] == 0, line(1)
try:
    fcntl.ioctl(fd, IOC(3, 0x02, 72), struct.pack("II32s32s", 9, 0, b"", b""))
    raise SystemExit("offset 9 accepted")
except OSError as e:
    assert e.errno == errno.EINVAL, e
'
gpid=$(cat "$tmp/gpio.pid" 2>/dev/null); kill -TERM "$gpid" 2>/dev/null; wait_gone "$gpid"
check "gpio: SIGTERM removes /dev/gpiochip7" test ! -e /dev/gpiochip7
