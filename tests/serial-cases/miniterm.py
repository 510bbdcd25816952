# serial.tools.miniterm: what is typed reaches the port, what the port gets is printed
# Shared by tests/run-families/clients.sh (cusekit run) and tests/kernel/guest.d/tty.sh (CUSE).
import serial, termios, time
b = serial.Serial("/dev/ttyCK1", 115200, timeout=4)
deadline = time.monotonic() + 20      # until miniterm has its console in cbreak mode
while termios.tcgetattr(open("/dev/ttyCK5"))[3] & termios.ICANON:
    assert time.monotonic() < deadline, "miniterm never set up its console"
    time.sleep(0.1)
open("/dev/ttyCK6", "wb", buffering=0).write(b"typed")
assert b.read(5) == b"typed"
b.write(b"shown")
time.sleep(1)
open("/dev/ttyCK6", "wb", buffering=0).write(b"\x1d")   # Ctrl-], the exit key of miniterm, typed
