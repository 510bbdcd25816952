# a break holds the line: bytes written during TIOCSBRK wait (TIOCOUTQ) and go after TIOCCBRK
# Shared by tests/run-families/clients.sh (cusekit run) and tests/kernel/guest.d/tty.sh (CUSE).
import array, fcntl, serial, termios, time
a = serial.Serial("/dev/ttyCK0", 115200)
b = serial.Serial("/dev/ttyCK1", 115200, timeout=0.5)
fcntl.ioctl(a.fd, 0x5427)                # TIOCSBRK: not in the termios module
a.write(b"xy")
time.sleep(0.2)
q = array.array("i", [0])
fcntl.ioctl(a.fd, termios.TIOCOUTQ, q)
assert q[0] == 2, q[0]
assert b.read(8) == b"\0", "bytes went during the break"
fcntl.ioctl(a.fd, 0x5428)                # TIOCCBRK
assert b.read(2) == b"xy"
