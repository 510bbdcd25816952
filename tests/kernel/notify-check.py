#!/usr/bin/env python3
# Starts cusekitd with NOTIFY_SOCKET set and checks that READY=1 arrives
# only once /dev/notify0 exists, and that SIGTERM ends it with 0.
# Usage: notify-check.py CUSEKITD TMPDIR
import os
import socket
import subprocess
import sys

daemon, tmp = sys.argv[1], sys.argv[2]
path = os.path.join(tmp, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(30)
proc = subprocess.Popen([daemon, "--major", "125", "--device", "atom:notify0"],
                        env=dict(os.environ, NOTIFY_SOCKET=path))
msg = sock.recv(256)
exists = os.path.exists("/dev/notify0")
proc.terminate()
rc = proc.wait(10)
print("message %r, node existed: %s, exit status %d" % (msg, exists, rc))
sys.exit(0 if msg == b"READY=1" and exists and rc == 0 else 1)
