#!/bin/bash
# Inside `cusekit run` (see run-suite.sh, in the `run` suite): the spi and tty families' named
# clients against the emulated nodes, with no root, no CUSE and no VM.
# Prints "ok - ..." / "not ok - ..." lines; run-suite.sh numbers them.
# Usage: clients.sh spi|tty BUILD_DIR CONTROL_SOCKET
set -u
part=$1 build=$2 sock=$3
cli() { "$build/src/bin/cusekit" -S "$sock" "$@"; }
pass() { echo "ok - $part under cusekit run: $1"; }
fail() { echo "not ok - $part under cusekit run: $1"; shift; printf '# %s\n' "$@"; }
py() { # DESCRIPTION PYTHON
	local out
	if out=$(/usr/bin/python3 -c "$2" 2>&1); then pass "$1"; else fail "$1" "$out"; fi
}
cases=$(dirname "${BASH_SOURCE[0]}")/../serial-cases
py_case() { # DESCRIPTION CASE: tests/serial-cases/CASE.py, as the VM runs it too
	local out
	if out=$(/usr/bin/python3 "$cases/$2.py" 2>&1); then pass "$1"; else fail "$1" "$out"; fi
}

if [ "$part" = spi ]; then
	py "python3-spidev xfer, xfer2, readbytes, mode and speed through the loopback chip" '
import spidev
s = spidev.SpiDev()
s.open(0, 0)
assert s.xfer([1, 2, 3, 0xff]) == [1, 2, 3, 0xff]
assert s.xfer2(list(range(100))) == list(range(100))
assert s.readbytes(4) == [0, 0, 0, 0]
s.mode = 3
s.max_speed_hz = 1200000
assert (s.mode, s.max_speed_hz) == (3, 1200000)
try:
    s.bits_per_word = 12
except OSError as e:
    assert e.errno == 22, e
else:
    raise AssertionError("12 bits accepted")
'
	for ch in 0 1 2 3 4 5 6 7; do cli set spidev0.1 "channel/$ch" $((100 * ch + 5)) >/dev/null; done
	cli set spidev0.1 channel/3 512
	py "python3-spidev reads the MCP3008 after cusekit set spidev0.1 channel/3 512" '
import spidev
s = spidev.SpiDev()
s.open(0, 1)
def read(config):
    r = s.xfer2([1, config << 4, 0])
    return ((r[1] & 3) << 8) + r[2]
got = [read(8 + ch) for ch in range(8)]
assert got == [5, 105, 205, 512, 405, 505, 605, 705], got
'
	cli set spidev0.1 channel/3 305
	out=$("$build/tests/kernel/test-cuse-spi" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		pass "test-cuse-spi: SPI_IOC_MESSAGE(n) through cusekit_write_n(), spidev's errnos ($(grep -c '^ok' <<<"$out") cases)"
	else
		fail "test-cuse-spi: SPI_IOC_MESSAGE(n) through cusekit_write_n(), spidev's errnos" "$out"
	fi
	py "python3-spidev writes and reads back the 25xx EEPROM" '
import spidev, time
s = spidev.SpiDev()
s.open(0, 2)
s.xfer2([0x06])
s.xfer2([0x02, 0x00, 0x10] + list(b"run"))
deadline = time.monotonic() + 5
while s.xfer2([0x05, 0])[1] & 1:
    assert time.monotonic() < deadline
assert bytes(s.xfer2([0x03, 0x00, 0x10, 0, 0, 0])[3:]) == b"run"
'
fi

if [ "$part" = tty ]; then
	out=$(stty -F /dev/ttyCK0 2>&1 && stty -F /dev/ttyCK0 115200 raw -echo crtscts 2>&1 && stty -F /dev/ttyCK0 -a 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -q "^speed 9600 baud" <<<"$out" && grep -q "^speed 115200 baud" <<<"$out" &&
	   grep -qw -- -icanon <<<"$out" && grep -qw crtscts <<<"$out"; then
		pass "stty -F shows and sets the line"
	else
		fail "stty -F shows and sets the line" "exit $rc" "$out"
	fi
	stty -F /dev/ttyCK0 sane -crtscts 2>/dev/null
	out=$(setserial -g /dev/ttyCK0 2>&1)
	if grep -q "^/dev/ttyCK0, UART: 16550A" <<<"$out"; then pass "setserial -g ($out)"; else fail "setserial -g" "$out"; fi
	py "python3-serial across the pair: bytes, DTR/RTS to DSR/CD/CTS, a read timeout, a break, BOTHER" '
import array, fcntl, serial, time
a = serial.Serial("/dev/ttyCK0", 115200, timeout=1)
b = serial.Serial("/dev/ttyCK1", 115200, timeout=1)
a.write(b"hello")
assert b.read(5) == b"hello"
a.rts = False
assert not b.cts
a.rts = True
a.dtr = False
assert b.cts and not b.dsr and not b.cd
a.dtr = True
assert b.dsr and b.cd
t = time.monotonic()
assert b.read(1) == b""
assert 0.9 < time.monotonic() - t < 3
a.send_break(0.25)
assert b.read(1) == b"\x00"
a.baudrate = 250000
buf = array.array("I", [0] * 11)
fcntl.ioctl(a.fd, 0x802C542A, buf)
assert buf[10] == 250000, list(buf)
'
	py_case "python3-serial across the pair: TIOCMIWAIT in a thread woken by CTS, a signal ends it (EINTR), flush() takes the transmission time, out_waiting drops, a big write waits for room, mismatched baud gives framing errors" pair-timing
	py "TIOCMIWAIT and signals: a handler ends the wait (EINTR), under SA_RESTART it goes on" '
import fcntl, serial, signal, termios, threading, time
a = serial.Serial("/dev/ttyCK0", 115200)
b = serial.Serial("/dev/ttyCK1", 115200)
class Alarm(Exception):
    pass
def raise_alarm(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, raise_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.3)
t = time.monotonic()
try:
    fcntl.ioctl(b.fd, termios.TIOCMIWAIT, termios.TIOCM_CTS)
except Alarm:
    pass
else:
    raise AssertionError("TIOCMIWAIT returned without a change")
assert 0.25 < time.monotonic() - t < 3
hits = []
signal.signal(signal.SIGALRM, lambda sig, frame: hits.append(sig))
signal.siginterrupt(signal.SIGALRM, False)   # SA_RESTART: the kernel restarts the call
signal.setitimer(signal.ITIMER_REAL, 0.2)
threading.Timer(0.6, lambda: setattr(a, "rts", False)).start()
t = time.monotonic()
fcntl.ioctl(b.fd, termios.TIOCMIWAIT, termios.TIOCM_CTS)
assert hits and time.monotonic() - t >= 0.5, (hits, time.monotonic() - t)
a.rts = True
'
	py_case "a blocking os.write() of 20000 bytes at 57600 returns 20000 in one call after 2.76 s; a signal part way (SA_RESTART) never sends a byte twice; a signal before any byte fits: EINTR" blocking-write
	py_case "a break holds the line: bytes written during TIOCSBRK wait (TIOCOUTQ) and go after TIOCCBRK" break-holds-line
	# TIOCEXCL: EBUSY for a second open, except with CAP_SYS_ADMIN (tty_reopen())
	what="TIOCEXCL: a second open with CAP_SYS_ADMIN succeeds, one by setpriv without capabilities gets EBUSY"
	exec 8<>/dev/ttyCK0
	/usr/bin/python3 -c "import fcntl, termios; fcntl.ioctl(8, termios.TIOCEXCL)"
	admin=$(/usr/bin/python3 -c "print(int(open(\"/proc/self/status\").read().split(\"CapEff:\")[1].split()[0], 16) >> 21 & 1)")
	second=$( (exec 9<>/dev/ttyCK0) 2>&1 && echo opened)
	dropped=$(setpriv --inh-caps=-all --bounding-set=-all /bin/bash -c "exec 9<>/dev/ttyCK0" 2>&1)
	/usr/bin/python3 -c "import fcntl, termios; fcntl.ioctl(8, termios.TIOCNXCL)"
	exec 8<&-
	if [ "$admin" != 1 ]; then   # not root: this shell's own second open is refused too
		[[ $second == *"Device or resource busy"* ]] && second=opened
	fi
	if [ "$second" = opened ] && [[ $dropped == *"Device or resource busy"* ]]; then
		pass "$what"
	else
		fail "$what" "with CAP_SYS_ADMIN: $second" "setpriv: $dropped"
	fi
	py "python3-serial against the loopback adapter" '
import serial
s = serial.Serial("/dev/ttyCK2", 9600, timeout=1)
s.write(b"loop")
assert s.read(4) == b"loop"
assert s.cts and s.dsr and s.cd and s.ri
s.dtr = False
assert not s.ri and s.cts
'
	rm -f "$TMPDIR/socat.out"
	timeout 10 socat -u OPEN:/dev/ttyCK1,rawer,b115200 "OPEN:$TMPDIR/socat.out,creat,trunc" 2>/dev/null &
	spid=$!
	sleep 1
	printf 'through socat\n' | socat -u STDIN OPEN:/dev/ttyCK0,rawer,b115200
	sleep 1
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	if [ "$(cat "$TMPDIR/socat.out" 2>/dev/null)" = "through socat" ]; then
		pass "socat across the pair"
	else
		fail "socat across the pair" "$(cat "$TMPDIR/socat.out" 2>&1)"
	fi
	stty -F /dev/ttyCK4 raw -echo 2>/dev/null
	(sleep 0.5; printf 'from the far end' | socat -t 2 - "UNIX-CONNECT:$TMPDIR/ttyCK4.sock" >"$TMPDIR/far.out" 2>&1) &
	fpid=$!
	got=$(timeout 5 head -c 16 /dev/ttyCK4 2>&1)
	printf 'to the far end' >/dev/ttyCK4
	wait "$fpid"
	if [ "$got" = "from the far end" ] && [ "$(cat "$TMPDIR/far.out")" = "to the far end" ]; then
		pass "far=unix:PATH: socat at the socket is the far end, both ways"
	else
		fail "far=unix:PATH: socat at the socket is the far end, both ways" "port read '$got'" "socat got '$(cat "$TMPDIR/far.out")'"
	fi
	# serial.tools.miniterm, its console an emulated terminal too (ttyCK5; typed into through ttyCK6)
	stty -F /dev/ttyCK6 raw -echo 2>/dev/null
	exec 7<>/dev/ttyCK6
	timeout 30 /usr/bin/python3 -m serial.tools.miniterm --raw -q --eol LF /dev/ttyCK0 115200 </dev/ttyCK5 >"$TMPDIR/mt.out" 2>&1 &
	mt=$!
	py_case "serial.tools.miniterm: what is typed reaches the port, what the port gets is printed" miniterm
	wait "$mt"
	exec 7<&-
	if [ "$(cat "$TMPDIR/mt.out")" = shown ]; then pass "serial.tools.miniterm prints what arrives"; else fail "serial.tools.miniterm prints what arrives" "$(cat "$TMPDIR/mt.out")"; fi
	CK_CLI=$build/src/bin/cusekit CK_SOCK=$sock py "the far end through cusekit set: bytes arrive, CTS and RI follow, far/received" '
import json, os, serial, subprocess
def cusekit(*args):
    return subprocess.run([os.environ["CK_CLI"], "-S", os.environ["CK_SOCK"]] + list(args),
                          check=True, capture_output=True, text=True).stdout
s = serial.Serial("/dev/ttyCK3", 115200, timeout=1)
cusekit("set", "ttyCK3", "far/send", "666172")
assert s.read(3) == b"far"
assert not s.cts
cusekit("set", "ttyCK3", "far/cts", "true")
cusekit("set", "ttyCK3", "far/ri", "1")
assert s.cts and s.ri
s.write(b"near")
s.flush()                             # tcdrain(): on the line, so at the far end
assert bytes(json.loads(cusekit("--json", "get", "ttyCK3", "far/received"))["far/received"]) == b"near"
'
	# cusekit serial on a port whose far end is the control interface (its socket from CUSEKIT_CONTROL)
	serial="$build/src/bin/cusekit serial"
	stty -F /dev/ttyCK3 raw -echo 2>/dev/null
	/usr/bin/python3 -c '
import serial
s = serial.Serial("/dev/ttyCK3", 115200, timeout=10)
got = s.read(6)
s.write(b"program says " + got)
' >"$TMPDIR/serial-reader.out" 2>&1 &
	rpid=$!
	sleep 1
	out=$(echo hello | $serial ttyCK3 2>&1); rc=$?
	wait "$rpid"; prc=$?
	if [ $rc -eq 0 ] && [ $prc -eq 0 ] && [ "$out" = "program says hello" ]; then
		pass "echo hello | cusekit serial ttyCK3: python3-serial read it, its answer printed"
	else
		fail "echo hello | cusekit serial ttyCK3: python3-serial read it, its answer printed" "exit $rc, printed '$out'" \
			"reader: exit $prc, $(cat "$TMPDIR/serial-reader.out")"
	fi
	SERIAL=$build/src/bin/cusekit py "cusekit serial --cts/--dsr/--ri/--break are what TIOCMGET and read() see; --show" '
import os, serial, subprocess
def cusekit(*args):
    return subprocess.run([os.environ["SERIAL"], "serial", "ttyCK3"] + list(args),
                          check=True, capture_output=True, text=True).stdout
s = serial.Serial("/dev/ttyCK3", 115200, timeout=1)
cusekit("--cts=0", "--dsr=0", "--ri=0")
assert not s.cts and not s.dsr and not s.ri
cusekit("--cts=1")
assert s.cts and not s.dsr
cusekit("--dsr=1", "--ri=1", "--break")
assert s.cts and s.dsr and s.ri
assert s.read(1) == b"\x00"      # the break, as n_tty delivers it
shown = cusekit("--show")
assert "inputs    CTS=1 DSR=1 DCD=0 RI=1" in shown and " brk=1 " in shown, shown
'
	SERIAL=$build/src/bin/cusekit py "cusekit serial on a terminal: raw while it runs, C-a C-\\ a break, C-a C-a a C-a, C-a C-x quits, the terminal restored" '
import os, pty, select, serial, subprocess, termios, time
s = serial.Serial("/dev/ttyCK3", 115200, timeout=5)
master, slave = pty.openpty()
before = termios.tcgetattr(slave)
cli = subprocess.Popen([os.environ["SERIAL"], "serial", "ttyCK3"], stdin=slave, stdout=slave, stderr=slave,
                       start_new_session=True)
try:
    deadline = time.monotonic() + 20
    while termios.tcgetattr(slave)[3] & termios.ICANON:
        assert time.monotonic() < deadline, "cusekit serial never put its terminal in raw mode"
        time.sleep(0.05)
    os.write(master, b"ab\x01\x1c\x01\x01c")
    assert s.read(5) == b"ab\x00\x01c"
    s.write(b"to the terminal")
    shown = b""
    deadline = time.monotonic() + 10
    while b"to the terminal" not in shown and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            shown += os.read(master, 4096)
    assert b"C-a C-x quits" in shown and b"to the terminal" in shown, shown
    os.write(master, b"\x01\x18")
    assert cli.wait(timeout=10) == 0
    assert termios.tcgetattr(slave) == before
finally:
    if cli.poll() is None:
        cli.kill()
'
	# picocom on ttyCK0 (its terminal a pty), python3-serial on the other end of the null modem
	out=$(/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/picocom-pair.py" /dev/ttyCK0 /dev/ttyCK1 2>&1)
	if [ "$out" = ok ]; then
		pass "picocom across the pair: typed bytes arrive, what arrives is shown, C-a C-t / C-a C-g toggle DTR / RTS"
	else
		fail "picocom across the pair: typed bytes arrive, what arrives is shown, C-a C-t / C-a C-g toggle DTR / RTS" "$out"
	fi
fi
