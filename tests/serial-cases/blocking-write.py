# a blocking os.write() of 20000 bytes at 57600 returns 20000 in one call after 2.76 s; a signal part way (SA_RESTART) never sends a byte twice; a signal before any byte fits: EINTR
# Shared by tests/run-families/clients.sh (cusekit run) and tests/kernel/guest.d/tty.sh (CUSE).
import os, serial, signal, termios, threading, time
a = serial.Serial("/dev/ttyCK0", 57600)
b = serial.Serial("/dev/ttyCK1", 57600, timeout=15)
fd = os.open("/dev/ttyCK0", os.O_RDWR | os.O_NOCTTY)   # pyserial opens with O_NONBLOCK
def transfer(data, alarm=None):
    got = []
    reader = threading.Thread(target=lambda: got.append(b.read(len(data))))
    reader.start()
    if alarm:
        signal.setitimer(signal.ITIMER_REAL, alarm)
    t = time.monotonic()
    n = os.write(fd, data)
    took = time.monotonic() - t
    a.flush()
    b.timeout = 1 if n < len(data) else 15
    reader.join(20)
    return n, took, got[0] if got else b""
data = bytes(i % 251 for i in range(20000))
n, took, got = transfer(data)
# one call takes all 20000: the last 15904 have to leave first, 2.76 s at 57600 8N1
assert n == 20000, n
assert 2.6 < took < 6, took
assert got == data, (len(got), got[:8])
# a signal part way (SA_RESTART): n_tty_write() returns what went, never a byte twice
hits = []
signal.signal(signal.SIGALRM, lambda sig, frame: hits.append(sig))
signal.siginterrupt(signal.SIGALRM, False)
b.timeout = 15
n, took, got = transfer(data, alarm=0.5)
assert hits, "no signal"
assert 4096 <= n <= 20000, n
assert got == data[:n], (n, len(got))
# a signal before any byte fits: EINTR
class Alarm(Exception):
    pass
def raise_alarm(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, raise_alarm)
termios.tcflow(fd, termios.TCOOFF)
assert os.write(fd, b"q" * 4096) == 4096
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    os.write(fd, b"z")
except Alarm:
    pass
else:
    raise AssertionError("the write into a full buffer returned")
termios.tcflow(fd, termios.TCOON)
b.timeout = 5
got = b.read(4096)
b.timeout = 0.5
got += b.read(1)
assert got == b"q" * 4096, (len(got), got[-2:])
