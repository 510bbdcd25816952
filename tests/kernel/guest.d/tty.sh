# tty family: a null-modem pair (ttyCK0/ttyCK1), a loopback adapter
# (ttyCK2) and a port whose far end is the control interface (ttyCK3),
# driven by Debian's stty, setserial, socat and python3-serial.  Sourced by
# guest-tests.sh (pass/fail/check/run_tap, $daemon, $build, $tmp); this part
# uses char major 113 only.

tty_cli() { "$build/src/bin/cusekit" -M 113 "$@"; }
tty_py() { # DESCRIPTION PYTHON: passes when the script exits 0
	local d=$1 out
	if out=$(python3 -c "$2" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}
tty_cases=$(dirname "${BASH_SOURCE[0]}")/../../serial-cases
tty_py_case() { # DESCRIPTION CASE: tests/serial-cases/CASE.py, as cusekit run's suite runs it too
	local d=$1 out
	if out=$(python3 "$tty_cases/$2.py" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}

"$daemon" --major 113 --background --pidfile "$tmp/tty.pid" \
	--device tty:ttyCK0,peer=ttyCK1 --device tty:ttyCK1 \
	--device tty:ttyCK2,loopback=1 --device tty:ttyCK3 \
	--device "tty:ttyCK4,far=unix:$tmp/ttyCK4.sock" \
	--device tty:ttyCK5,peer=ttyCK6 --device tty:ttyCK6 2>"$tmp/tty.err"
rc=$?
if [ $rc -eq 0 ] && [ -c /dev/ttyCK0 ] && [ -c /dev/ttyCK3 ]; then
	pass "tty: /dev/ttyCK0 .. /dev/ttyCK3 appear"
else
	fail "tty: /dev/ttyCK0 .. /dev/ttyCK3 appear" "exit $rc" "$(cat "$tmp/tty.err")"
fi

out=$(stty -F /dev/ttyCK0 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^speed 9600 baud; line = 0;" <<<"$out"; then
	pass "tty: stty -F shows the serial core's defaults (9600 baud)"
else
	fail "tty: stty -F shows the serial core's defaults (9600 baud)" "exit $rc" "$out"
fi
out=$(stty -F /dev/ttyCK0 115200 raw -echo cs7 parenb crtscts 2>&1 && stty -F /dev/ttyCK0 -a 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^speed 115200 baud;" <<<"$out" && grep -qw -- "-icanon" <<<"$out" &&
   grep -qw -- "-echo" <<<"$out" && grep -qw cs7 <<<"$out" && grep -qw parenb <<<"$out" &&
   grep -qw crtscts <<<"$out" && grep -q "rows 0; columns 0;" <<<"$out"; then
	pass "tty: stty -F sets speed, raw, cs7 parenb crtscts, and stty -a reads them back"
else
	fail "tty: stty -F sets speed, raw, cs7 parenb crtscts, and stty -a reads them back" "exit $rc" "$out"
fi
out=$(stty -F /dev/ttyCK0 rows 40 cols 132 2>&1 && stty -F /dev/ttyCK0 size 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "40 132" ]; then
	pass "tty: stty rows/cols set the window size (TIOCSWINSZ)"
else
	fail "tty: stty rows/cols set the window size (TIOCSWINSZ)" "exit $rc" "$out"
fi
out=$(tty_cli get ttyCK0 line 2>&1)
if grep -q "115200 7E1 crtscts" <<<"$out"; then
	pass "tty: cusekit get shows the line settings stty made ($out)"
else
	fail "tty: cusekit get shows the line settings stty made" "$out"
fi
stty -F /dev/ttyCK0 sane 9600 cs8 -parenb -crtscts 2>/dev/null

out=$(setserial -g /dev/ttyCK0 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^/dev/ttyCK0, UART: 16550A, Port: 0x0000, IRQ: 0" <<<"$out"; then
	pass "tty: setserial -g reads TIOCGSERIAL ($out)"
else
	fail "tty: setserial -g reads TIOCGSERIAL" "exit $rc" "$out"
fi
out=$(setserial /dev/ttyCK0 spd_hi 2>&1 && setserial -a /dev/ttyCK0 2>&1 && python3 -c '
import array, fcntl, termios
f = open("/dev/ttyCK0")
t = termios.tcgetattr(f)
t[4] = t[5] = termios.B38400
t[2] = (t[2] & ~termios.CBAUD) | termios.B38400
termios.tcsetattr(f, termios.TCSANOW, t)
buf = array.array("I", [0] * 11)
fcntl.ioctl(f, 0x802C542A, buf)   # TCGETS2
print("ospeed", buf[10], "B57600" if buf[2] & termios.CBAUD == termios.B57600 else oct(buf[2]))' 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "spd_hi" <<<"$out" && grep -q "ospeed 57600 B57600" <<<"$out"; then
	pass "tty: setserial spd_hi makes B38400 57600 baud (TIOCSSERIAL, uart_get_baud_rate)"
else
	fail "tty: setserial spd_hi makes B38400 57600 baud (TIOCSSERIAL, uart_get_baud_rate)" "exit $rc" "$out"
fi
setserial /dev/ttyCK0 spd_normal >/dev/null 2>&1
out=$(setserial /dev/ttyCK0 irq 5 2>&1); rc=$?
if [ $rc -ne 0 ]; then
	pass "tty: setserial cannot move the emulated UART's IRQ"
else
	fail "tty: setserial cannot move the emulated UART's IRQ" "$out"
fi

tty_py "tty: python3-serial across the pair: bytes, DTR/RTS to DSR/CD/CTS, read timeouts, in/out_waiting" '
import serial, time
a = serial.Serial("/dev/ttyCK0", 115200, timeout=1)
b = serial.Serial("/dev/ttyCK1", 115200, timeout=1)
a.write(b"hello\n\x00\xff")
assert b.read(8) == b"hello\n\x00\xff"
assert b.in_waiting == 0 and a.out_waiting == 0
a.rts = False
assert not b.cts
a.rts = True
assert b.cts
a.dtr = False
assert not b.dsr and not b.cd
a.dtr = True
assert b.dsr and b.cd and not b.ri
b.rts = False
assert not a.cts
b.rts = True
t = time.monotonic()
assert b.read(1) == b""
took = time.monotonic() - t
assert 0.9 < took < 3, took
b.timeout = 0.2
a.write(b"ab")
assert b.read(5) == b"ab"
a.write(b"xyz")
time.sleep(0.2)
assert b.in_waiting == 3, b.in_waiting
b.reset_input_buffer()
assert b.in_waiting == 0
a.send_break(0.25)
assert b.read(1) == b"\x00"
'

tty_py_case "tty: python3-serial across the pair: TIOCMIWAIT in a thread woken by CTS, a signal ends it (EINTR), flush() takes the transmission time, out_waiting drops, a big write waits for room, mismatched baud gives framing errors" pair-timing

tty_py "tty: python3-serial sets an arbitrary baud (TCSETS2, BOTHER) that the port reports" '
import array, fcntl, serial
a = serial.Serial("/dev/ttyCK0", 250000)
buf = array.array("I", [0] * 11)
fcntl.ioctl(a.fd, 0x802C542A, buf)    # TCGETS2
assert buf[2] & 0o10017 == 0o10000 and buf[9] == buf[10] == 250000, list(buf)
a.baudrate = 9600
fcntl.ioctl(a.fd, 0x802C542A, buf)
assert buf[10] == 9600, list(buf)
'

tty_py "tty: python3-serial against the loopback adapter (TX to RX, RTS to CTS, DTR to DSR, CD and RI)" '
import serial
s = serial.Serial("/dev/ttyCK2", 115200, timeout=1)
s.write(b"loop")
assert s.read(4) == b"loop"
s.dtr = True
s.rts = True
assert s.cts and s.dsr and s.cd and s.ri
s.dtr = False
assert not s.dsr and not s.cd and not s.ri and s.cts
s.rts = False
assert not s.cts
'

# socat across the pair: the reader must hold its end open first
rm -f "$tmp/socat.out"
timeout 10 socat -u OPEN:/dev/ttyCK1,rawer,b115200 "OPEN:$tmp/socat.out,creat,trunc" 2>"$tmp/socat.err" &
spid=$!
sleep 1
printf 'through socat\n' | socat -u STDIN OPEN:/dev/ttyCK0,rawer,b115200 2>>"$tmp/socat.err"
sleep 1
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
if [ "$(cat "$tmp/socat.out" 2>/dev/null)" = "through socat" ]; then
	pass "tty: socat sends bytes across the pair"
else
	fail "tty: socat sends bytes across the pair" "$(cat "$tmp/socat.out" "$tmp/socat.err" 2>&1)"
fi

# the control interface as the far end of ttyCK3
out=$(python3 - "$build/src/bin/cusekit" <<'PY' 2>&1
import json, serial, subprocess, sys
cli = [sys.argv[1], "-M", "113"]
def cusekit(*args):
    return subprocess.run(cli + list(args), check=True, capture_output=True, text=True).stdout
s = serial.Serial("/dev/ttyCK3", 115200, timeout=1)
cusekit("set", "ttyCK3", "far/send", "666172")   # hex; b'far' would carry a NUL
assert s.read(3) == b"far"
s.write(b"near")
s.flush()                                        # tcdrain(): on the line, so at the far end
got = json.loads(cusekit("--json", "get", "ttyCK3", "far/received"))["far/received"]
assert bytes(got) == b"near", got
assert not s.cts
cusekit("set", "ttyCK3", "far/cts", "true")
cusekit("set", "ttyCK3", "far/ri", "true")
assert s.cts and s.ri and not s.dsr
cusekit("set", "ttyCK3", "far/ri", "false")
cusekit("set", "ttyCK3", "far/frame-error", "0x41")
got = s.read(1)
assert got == b"A", (got, cusekit("--json", "get", "ttyCK3", "icount"))   # without INPCK: the byte as it came
counts = json.loads(cusekit("--json", "get", "ttyCK3", "icount"))["icount"]
assert counts["frame"] == 1 and counts["rng"] == 1 and counts["cts"] == 1 and counts["rx"] == 4, counts
assert json.loads(cusekit("--json", "get", "ttyCK3", "rts"))["rts"] is True
s.rts = False
assert json.loads(cusekit("--json", "get", "ttyCK3", "rts"))["rts"] is False
print("ok")
PY
); rc=$?
if [ $rc -eq 0 ] && [ "$out" = ok ]; then
	pass "tty: the far end through cusekit: bytes both ways, CTS/RI, a framing error, counters, RTS"
else
	fail "tty: the far end through cusekit: bytes both ways, CTS/RI, a framing error, counters, RTS" "exit $rc" "$out"
fi

out=$(python3 -c '
import errno, fcntl, os, subprocess
fd = os.open("/dev/ttyCK3", os.O_RDWR | os.O_NOCTTY)
for req, arg in ((0x540B, 7), (0x540A, 9)):        # TCFLSH, TCXONC
    try:
        fcntl.ioctl(fd, req, arg)
    except OSError as e:
        assert e.errno == errno.EINVAL, e
    else:
        raise AssertionError(hex(req))
fcntl.ioctl(fd, 0x540C)                            # TIOCEXCL
os.close(os.open("/dev/ttyCK3", os.O_RDWR))        # root: CAP_SYS_ADMIN opens all the same
r = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "python3", "-c",
                    "import os; os.open(\"/dev/ttyCK3\", os.O_RDWR)"], capture_output=True, text=True)
assert r.returncode != 0 and "Device or resource busy" in r.stderr, r
fcntl.ioctl(fd, 0x540D)                            # TIOCNXCL
r = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", "python3", "-c",
                    "import os; os.open(\"/dev/ttyCK3\", os.O_RDWR)"], capture_output=True, text=True)
assert r.returncode == 0, r
print("ok")' 2>&1)
if [ "$out" = ok ]; then
	pass "tty: TCFLSH/TCXONC refuse bad arguments (EINVAL); after TIOCEXCL root opens, setpriv without capabilities gets EBUSY"
else
	fail "tty: TCFLSH/TCXONC refuse bad arguments (EINVAL); after TIOCEXCL root opens, setpriv without capabilities gets EBUSY" "$out"
fi

# far=unix:PATH: socat is the far end
stty -F /dev/ttyCK4 raw -echo 2>/dev/null
rm -f "$tmp/far.out"
(sleep 0.5; printf 'from the far end' | socat -t 2 - "UNIX-CONNECT:$tmp/ttyCK4.sock" >"$tmp/far.out" 2>&1) &
fpid=$!
got=$(timeout 5 head -c 16 /dev/ttyCK4 2>&1)
printf 'to the far end' >/dev/ttyCK4
wait "$fpid"
if [ "$got" = "from the far end" ] && [ "$(cat "$tmp/far.out")" = "to the far end" ]; then
	pass "tty: far=unix:PATH: socat at the socket is the far end, both ways"
else
	fail "tty: far=unix:PATH: socat at the socket is the far end, both ways" "port read '$got'" "socat got '$(cat "$tmp/far.out")'"
fi

# serial.tools.miniterm, its console an emulated terminal too (ttyCK5; typed into through ttyCK6)
stty -F /dev/ttyCK6 raw -echo 2>/dev/null
exec 7<>/dev/ttyCK6
timeout 30 /usr/bin/python3 -m serial.tools.miniterm --raw -q --eol LF /dev/ttyCK0 115200 </dev/ttyCK5 >"$tmp/mt.out" 2>&1 &
mt=$!
tty_py_case "tty: serial.tools.miniterm: what is typed reaches the port, what the port gets is printed" miniterm
wait "$mt"
exec 7<&-
if [ "$(cat "$tmp/mt.out")" = shown ]; then
	pass "tty: serial.tools.miniterm prints what arrives"
else
	fail "tty: serial.tools.miniterm prints what arrives" "$(cat "$tmp/mt.out")"
fi

out=$(python3 -c '
import errno, fcntl, os, termios
fd = os.open("/dev/ttyCK3", os.O_RDWR | os.O_NOCTTY)
t = termios.tcgetattr(fd)
t[3] &= ~(termios.ICANON | termios.ECHO)
termios.tcsetattr(fd, termios.TCSANOW, t)
fcntl.ioctl(fd, termios.TIOCSTI, b"Z")             # root: CAP_SYS_ADMIN
assert os.read(fd, 1) == b"Z"
os.setgid(65534)
os.setuid(65534)                                   # no capabilities left, the descriptor stays
try:
    fcntl.ioctl(fd, termios.TIOCSTI, b"Z")
except OSError as e:
    assert e.errno == errno.EPERM, e
else:
    raise AssertionError("TIOCSTI without CAP_SYS_ADMIN")
print("ok")' 2>&1)
if [ "$out" = ok ]; then
	pass "tty: TIOCSTI needs CAP_SYS_ADMIN (EPERM once the caller drops it), as on a tty that is not the caller's terminal"
else
	fail "tty: TIOCSTI needs CAP_SYS_ADMIN (EPERM once the caller drops it), as on a tty that is not the caller's terminal" "$out"
fi

# cusekit serial: a pipe on ttyCK3's far end (the stream passed over the control socket)
stty -F /dev/ttyCK3 raw -echo 2>/dev/null
python3 -c '
import serial
s = serial.Serial("/dev/ttyCK3", 115200, timeout=10)
got = s.read(6)
s.write(b"program says " + got)
' >"$tmp/serial-reader.out" 2>&1 &
rpid=$!
sleep 1
out=$(echo hello | tty_cli serial ttyCK3 2>&1); rc=$?
wait "$rpid"; prc=$?
if [ $rc -eq 0 ] && [ $prc -eq 0 ] && [ "$out" = "program says hello" ]; then
	pass "tty: echo hello | cusekit serial ttyCK3: python3-serial read it, its answer printed"
else
	fail "tty: echo hello | cusekit serial ttyCK3: python3-serial read it, its answer printed" "exit $rc, printed '$out'" \
		"reader: exit $prc, $(cat "$tmp/serial-reader.out")"
fi
out=$(python3 - "$build/src/bin/cusekit" <<'PY' 2>&1
import serial, subprocess, sys
def serial_cli(*args):
    return subprocess.run([sys.argv[1], "-M", "113", "serial"] + list(args), capture_output=True, text=True)
s = serial.Serial("/dev/ttyCK3", 115200, timeout=1)
assert serial_cli("ttyCK3", "--cts=0", "--ri=0").returncode == 0
assert not s.cts and not s.ri
assert serial_cli("ttyCK3", "--cts=1", "--dsr=1").returncode == 0
assert s.cts and s.dsr and not s.ri
r = serial_cli("ttyCK0", "--cts=1")
assert r.returncode == 1 and "the far end is the peer ttyCK1 (peer=): it cannot be driven" in r.stderr, r
print("ok")
PY
); rc=$?
if [ $rc -eq 0 ] && [ "$out" = ok ]; then
	pass "tty: cusekit serial --cts/--dsr are what TIOCMGET sees; a peer= port cannot be driven"
else
	fail "tty: cusekit serial --cts/--dsr are what TIOCMGET sees; a peer= port cannot be driven" "exit $rc" "$out"
fi
tty_py_case "tty: a blocking os.write() of 20000 bytes at 57600 returns 20000 in one call after 2.76 s; a signal part way (SA_RESTART) never sends a byte twice; a signal before any byte fits: EINTR" blocking-write
tty_py_case "tty: a break holds the line: bytes written during TIOCSBRK wait (TIOCOUTQ) and go after TIOCCBRK" break-holds-line
out=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../../run-families/picocom-pair.py" /dev/ttyCK0 /dev/ttyCK1 2>&1)
if [ "$out" = ok ]; then
	pass "tty: picocom across the pair: typed bytes arrive, what arrives is shown, C-a C-t / C-a C-g toggle DTR / RTS"
else
	fail "tty: picocom across the pair: typed bytes arrive, what arrives is shown, C-a C-t / C-a C-g toggle DTR / RTS" "$out"
fi

p=$(cat "$tmp/tty.pid" 2>/dev/null)
kill -TERM "$p" 2>/dev/null
if wait_gone "$p" && [ ! -e /dev/ttyCK0 ]; then
	pass "tty: SIGTERM ends the daemon and removes the nodes"
else
	fail "tty: SIGTERM ends the daemon and removes the nodes" "$(cat "$tmp/tty.err")"
fi
