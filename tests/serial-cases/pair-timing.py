# python3-serial across the pair: TIOCMIWAIT in a thread woken by CTS, a signal ends it (EINTR), flush() takes the transmission time, out_waiting drops, a big write waits for room, mismatched baud gives framing errors
# Shared by tests/run-families/clients.sh (cusekit run) and tests/kernel/guest.d/tty.sh (CUSE).
import array, fcntl, serial, signal, termios, threading, time
a = serial.Serial("/dev/ttyCK0", 115200, timeout=1)
b = serial.Serial("/dev/ttyCK1", 115200, timeout=1)
woken = []
def wait():
    fcntl.ioctl(b.fd, termios.TIOCMIWAIT, termios.TIOCM_CTS)
    woken.append(time.monotonic())
th = threading.Thread(target=wait)
th.start()
time.sleep(0.3)
assert not woken, "TIOCMIWAIT returned before any change"
a.dtr = False                         # DSR and CD: not asked for
time.sleep(0.2)
assert not woken, "TIOCMIWAIT woken by DSR"
t = time.monotonic()
a.rts = False                         # b: CTS
th.join(5)
assert woken and woken[0] - t < 2, woken
a.rts = a.dtr = True
class Alarm(Exception):
    pass
def raise_alarm(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, raise_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    fcntl.ioctl(b.fd, termios.TIOCMIWAIT, termios.TIOCM_CTS)
except Alarm:
    pass
else:
    raise AssertionError("TIOCMIWAIT returned without a change")
a.baudrate = b.baudrate = 1200
t = time.monotonic()
a.write(b"x" * 100)                   # 100 bytes at 1200 8N1: 0.83 s
q1 = a.out_waiting
time.sleep(0.3)
q2 = a.out_waiting
assert 0 < q2 < q1 <= 100, (q1, q2)
a.flush()
took = time.monotonic() - t
assert a.out_waiting == 0
assert took >= 0.7, took
assert b.read(100) == b"x" * 100
a.baudrate = b.baudrate = 460800
a.rtscts = b.rtscts = True            # a reader delayed by a loaded machine must not lose bytes
got = []
reader = threading.Thread(target=lambda: got.append(b.read(20000)))
reader.start()
t = time.monotonic()
a.write(b"y" * 20000)                 # 0.43 s; the serial core holds 4096: write() waits for room
took = time.monotonic() - t
reader.join(5)
assert took >= 0.3, took
assert got == [b"y" * 20000], len(got[0]) if got else None
a.rtscts = b.rtscts = False
a.baudrate = 115200
b.baudrate = 9600
icount = array.array("i", [0] * 20)   # cts dsr rng dcd rx tx frame overrun parity brk buf_overrun ...
fcntl.ioctl(b.fd, termios.TIOCGICOUNT, icount)
frame = icount[6]
a.write(b"abc")
a.flush()
time.sleep(0.1)
fcntl.ioctl(b.fd, termios.TIOCGICOUNT, icount)
assert icount[6] - frame == 3, list(icount)
assert b.read(3) != b"abc"
b.baudrate = 115200
