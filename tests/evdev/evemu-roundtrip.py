#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""evemu-record/evemu-play round trips through two evdev nodes of the same
kind (run it inside `cusekit run`, or in the VM next to cusekitd's CUSE
nodes):

 1. evemu-record on FIRST records events injected, timed, with
    `cusekit events FIRST FILE` (a file in evemu-record's format);
 2. that recording, as evemu-record wrote it, replays with `cusekit events
    SECOND RECORDING`, and evemu-record on SECOND shows the same events;
 3. evemu-play of the recording INTO SECOND (write() of events on the
    node, which evdev injects as input_inject_event() does) shows them too.

"The same": types, codes and values in order, and every event's time since
the first within TOLERANCE of the injected one.  Devices without EV_REP
(mice), so that no autorepeat adds events of its own.

  evemu-roundtrip.py FIRST SECOND

env CK is the cusekit command line (split like a shell).  Prints TAP.
With CI=true a missing client fails instead of skipping."""
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from tap import check, finish  # noqa: E402
import tempfile
import time

FIRST, SECOND = sys.argv[1:3]
CK = shlex.split(os.environ.get('CK', 'cusekit'))
TOLERANCE = 0.15              # s; the events are 150 ms and more apart

# (time, type, code, value): a wheel mouse's motion, a click, a wheel step
INJECTED = [
    (0.00, 2, 0, 5), (0.00, 2, 1, -3), (0.00, 0, 0, 0),
    (0.30, 1, 0x110, 1), (0.30, 0, 0, 0),
    (0.50, 2, 0, -7), (0.50, 0, 0, 0),
    (0.80, 1, 0x110, 0), (0.80, 0, 0, 0),
    (1.10, 2, 8, 1), (1.10, 0, 0, 0),
]


def evemu_lines(events):
    """E: lines as evemu-record writes them (evemu_write_event())."""
    return ''.join('E: %.6f %04x %04x %04d\n' % e for e in events)


def parse_events(text):
    out = []
    for line in text.splitlines():
        m = re.match(r'E: (\d+)\.(\d{6}) ([0-9a-f]{4}) ([0-9a-f]{4}) (-?\d+)', line)
        if m:
            out.append((int(m.group(1)) + int(m.group(2)) / 1e6, int(m.group(3), 16), int(m.group(4), 16),
                        int(m.group(5))))
    return out


def same(want, got):
    """Differences between two event lists: kind and relative timing."""
    if [e[1:] for e in want] != [e[1:] for e in got]:
        return ['events: want %s' % [e[1:] for e in want], 'got %s' % [e[1:] for e in got]]
    out = []
    for w, g in zip(want, got):
        dw, dg = w[0] - want[0][0], g[0] - got[0][0]
        if abs(dw - dg) > TOLERANCE:
            out.append('event %s at +%.3f s, want +%.3f s' % (g[1:], dg, dw))
    return out


def record(node, send, n_events):
    """evemu-record NODE while send() runs: its whole output, once
    @n_events events arrived (or 15 s passed)."""
    p = subprocess.Popen(['stdbuf', '-oL', 'evemu-record', node], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = b''
    sent = None

    def read_until(done, timeout):
        nonlocal text
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            r, _, _ = select.select([p.stdout], [], [], max(0.0, left))
            if not r:
                return
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                return
            text += chunk

    # the description is written, then it waits for events
    read_until(lambda: b'Waiting for events' in text, 15)
    if b'Waiting for events' in text:
        sent = send()
        read_until(lambda: len(parse_events(text.decode(errors='replace'))) >= n_events, 15)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    text += p.stdout.read()
    return text.decode(errors='replace'), sent


def run(argv, stdin=None):
    p = subprocess.run(argv, stdin=stdin, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


tools = {'evemu-record': 'evemu-tools', 'evemu-play': 'evemu-tools', 'stdbuf': 'coreutils'}
missing = sorted({pkg for tool, pkg in tools.items() if not shutil.which(tool)})
if missing:
    why = 'missing: ' + ' '.join(missing)
    if os.environ.get('CI') == 'true':
        print('1..1\nnot ok 1 - evemu clients present # ' + why)
        sys.exit(1)
    print('1..0 # SKIP ' + why)
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix='ck-evemu-roundtrip-')
injected_file = os.path.join(tmp, 'injected.evemu')
with open(injected_file, 'w') as f:
    f.write(evemu_lines(INJECTED))

# 1. timed injection, recorded
first, sent = record('/dev/input/' + FIRST, lambda: run(CK + ['events', FIRST, injected_file]), len(INJECTED))
recorded = parse_events(first)
diff = same(INJECTED, recorded)
check('evemu-record on %s: the events injected with cusekit events (timed), in order, with their timing' % FIRST,
      sent and sent[0] == 0 and not diff and re.search(r'^N: ', first, re.M), *diff, sent, first)
recording = os.path.join(tmp, 'first.evemu')
with open(recording, 'w') as f:
    f.write(first)

# 2. the recording, as evemu-record wrote it (description, comments and all), replayed
second, sent = record('/dev/input/' + SECOND, lambda: run(CK + ['events', SECOND, recording]), len(recorded))
diff = same(recorded, parse_events(second))
check('cusekit events %s RECORDING: evemu-record there shows the recorded events again, timing kept' % SECOND,
      recorded and sent and sent[0] == 0 and not diff, *diff, sent, second)

# 3. evemu-play writes the recording into the node
with open(recording) as f:
    played, sent = record('/dev/input/' + SECOND, lambda: run(['evemu-play', '/dev/input/' + SECOND], stdin=f),
                          len(recorded))
diff = same(recorded, parse_events(played))
check('evemu-play into %s (write() of events): evemu-record there shows the recorded events, timing kept' % SECOND,
      recorded and sent and sent[0] == 0 and not diff, *diff, sent, played)

shutil.rmtree(tmp, ignore_errors=True)
finish()
