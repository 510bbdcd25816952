#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""picocom on PORT, its terminal a pty this script types into; python3-serial
on OTHER, the other end of a null-modem pair: what is typed arrives, what
OTHER sends is shown, C-a C-t / C-a C-g (DTR / RTS) are OTHER's DSR / CTS,
C-a C-x ends picocom.  Prints "ok".  usage: picocom-pair.py PORT OTHER
(under cusekit run: tests/run-families/clients.sh; under CUSE in the VM:
tests/kernel/guest.d/tty.sh)"""
import os, pty, select, serial, subprocess, sys, termios, time
port, other = sys.argv[1:3]
b = serial.Serial(other, 115200, timeout=5)
master, slave = pty.openpty()
pc = subprocess.Popen(["picocom", "-q", "-b", "115200", port], stdin=slave, stdout=slave, stderr=slave,
                      start_new_session=True)
shown = b""
def drain(until, want=None):
    global shown
    while time.monotonic() < until and not (want and want(shown)):
        if select.select([master], [], [], 0.1)[0]:
            shown += os.read(master, 4096)
def wait_for(cond, what):
    deadline = time.monotonic() + 20
    while not cond():
        assert time.monotonic() < deadline, what + "; picocom showed " + repr(shown)
        drain(time.monotonic() + 0.1)
try:
    wait_for(lambda: not termios.tcgetattr(slave)[3] & termios.ICANON, "picocom never set up its terminal")
    wait_for(lambda: b.dsr and b.cts, "picocom never raised DTR and RTS")
    os.write(master, b"typed")
    assert b.read(5) == b"typed"
    b.write(b"shown")
    drain(time.monotonic() + 10, lambda s: b"shown" in s)
    assert b"shown" in shown, shown
    os.write(master, b"\x01\x14")      # C-a C-t: DTR down, the other end DSR
    wait_for(lambda: not b.dsr, "DSR did not follow C-a C-t")
    assert b.cts
    os.write(master, b"\x01\x07")      # C-a C-g: RTS down, the other end CTS
    wait_for(lambda: not b.cts, "CTS did not follow C-a C-g")
    os.write(master, b"\x01\x14")
    wait_for(lambda: b.dsr, "DSR did not come back after a second C-a C-t")
    os.write(master, b"\x01\x18")      # C-a C-x: exit
    drain(time.monotonic() + 1)
    assert pc.wait(timeout=20) == 0
finally:
    if pc.poll() is None:
        pc.kill()
print("ok")
