# fifo family: a byte queue behind a real node, driven by dd, python and the
# shell.  Sourced by guest-tests.sh (pass/fail/check/run_tap, $daemon,
# $build, $tmp); this part uses char major 118 only.

"$daemon" --major 118 --background --pidfile "$tmp/fifo.pid" \
	--device fifo:fifo7 --device fifo:fifo8,size=8 2>"$tmp/fifo.err"
rc=$?
if [ $rc -eq 0 ] && [ -c /dev/fifo7 ] && [ -c /dev/fifo8 ]; then
	pass "fifo: nodes appear"
else
	fail "fifo: nodes appear" "exit $rc" "$(cat "$tmp/fifo.err")"
fi

head -c 4096 /dev/urandom >"$tmp/fifo.in"
out=$(dd if="$tmp/fifo.in" of=/dev/fifo7 bs=4096 count=1 status=none 2>&1 &&
      dd if=/dev/fifo7 of="$tmp/fifo.out" bs=4096 count=1 status=none 2>&1 &&
      cmp "$tmp/fifo.in" "$tmp/fifo.out" 2>&1)
if [ $? -eq 0 ] && [ "$(stat -c %s "$tmp/fifo.out")" = 4096 ]; then
	pass "fifo: 4 KiB written with one write() come back from one read()"
else
	fail "fifo: 4 KiB written with one write() come back from one read()" "$out"
fi

# a blocking read waits (parked in the daemon) until a write arrives
(dd if=/dev/fifo7 bs=64 count=1 status=none >"$tmp/fifo.late" 2>&1) &
fifo_reader=$!
sleep 0.5
if kill -0 $fifo_reader 2>/dev/null; then fifo_waited=1; else fifo_waited=0; fi
printf late >/dev/fifo7
wait $fifo_reader
if [ $fifo_waited = 1 ] && [ "$(cat "$tmp/fifo.late")" = late ]; then
	pass "fifo: a read on an empty fifo waits for the next write"
else
	fail "fifo: a read on an empty fifo waits for the next write" "waited=$fifo_waited" "$(cat "$tmp/fifo.late")"
fi

out=$(python3 - 2>&1 <<'PY'
import array, fcntl, os, select, termios, threading, time
fd = os.open("/dev/fifo7", os.O_RDWR | os.O_NONBLOCK)
try:
    os.read(fd, 16)
    raise SystemExit("read on an empty fifo did not fail")
except BlockingIOError:
    pass
p = select.poll()
p.register(fd, select.POLLIN | select.POLLOUT)
assert p.poll(0) == [(fd, select.POLLOUT)], p.poll(0)
os.write(fd, b"abc")
n = array.array("i", [0])
fcntl.ioctl(fd, termios.FIONREAD, n)
assert n[0] == 3, n[0]
assert os.read(fd, 16) == b"abc"
# a poller for POLLIN is woken by a write from elsewhere
def later():
    time.sleep(0.3)
    w = os.open("/dev/fifo7", os.O_WRONLY)
    os.write(w, b"x")
    os.close(w)
threading.Thread(target=later).start()
p = select.poll()
p.register(fd, select.POLLIN)
t = time.monotonic()
ev = p.poll(10000)
assert ev == [(fd, select.POLLIN)] and time.monotonic() - t >= 0.25, (ev, time.monotonic() - t)
assert os.read(fd, 16) == b"x"
# size=8: a write takes what fits, then EAGAIN
f8 = os.open("/dev/fifo8", os.O_RDWR | os.O_NONBLOCK)
assert os.write(f8, b"0123456789") == 8
try:
    os.write(f8, b"z")
    raise SystemExit("write to a full fifo did not fail")
except BlockingIOError:
    pass
assert os.read(f8, 100) == b"01234567"
print("ok")
PY
)
if [ "$out" = ok ]; then
	pass "fifo: O_NONBLOCK EAGAIN, poll, FIONREAD, a woken poller, a full fifo's partial write"
else
	fail "fifo: O_NONBLOCK EAGAIN, poll, FIONREAD, a woken poller, a full fifo's partial write" "$out"
fi

out=$("$build/src/bin/cusekit" -M 118 trace -n 20 2>&1)
if grep -q "fifo7 ioctl FIONREAD out" <<<"$out" && grep -q "fifo7 write in" <<<"$out"; then
	pass "fifo: the trace shows its reads, writes and FIONREAD"
else
	fail "fifo: the trace shows its reads, writes and FIONREAD" "$out"
fi

fifo_pid=$(cat "$tmp/fifo.pid" 2>/dev/null)
kill -TERM "$fifo_pid" 2>/dev/null
wait_gone "$fifo_pid" && [ ! -e /dev/fifo7 ] || fail "fifo: the daemon stops" "$(cat "$tmp/fifo.err")"
