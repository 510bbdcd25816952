#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The evdev family against its real clients, on whatever transport made
the nodes (run it inside `cusekit run`, or in the VM next to cusekitd's
CUSE nodes): evtest's device dump and events, evemu-describe reproducing
the evemu description the device was made from, python3-evdev
(capabilities, absinfo, read_loop, grab), libinput debug-events (key
presses, pointer motion) and what udev knows of the nodes.  Events are
injected once the client is listening: with `cusekit events NAME -` for
evtest and libinput, through the device's `events` state (`cusekit set
NAME events TEXT`) for python3-evdev.

  evdev-clients.py KEYBOARD MOUSE DESCRIBED DESCRIPTION_FILE [OTHER...]

KEYBOARD, MOUSE and DESCRIBED are device names (nodes /dev/input/NAME) of
preset=keyboard, preset=mouse and evemu=DESCRIPTION_FILE; OTHER devices
only go through the udev comparison (cusekit run only); env CK is the
cusekit command line (split like a shell), e.g. "cusekit -M 240".  Prints
TAP.  With CI=true a missing client fails instead of skipping."""
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
import time

KEYBOARD, MOUSE, DESCRIBED, DESCRIPTION = sys.argv[1:5]
EXTRA = sys.argv[5:]
CK = shlex.split(os.environ.get('CK', 'cusekit'))
PYTHON = '/usr/bin/python3'


def node(name):
    return '/dev/input/' + name


def inject(name, lines):
    """`cusekit events NAME -`: simple event lines on its stdin, as the
    driver would report them."""
    p = subprocess.run(CK + ['events', name, '-'], input=''.join(l + '\n' for l in lines), text=True,
                       capture_output=True, timeout=20)
    return p.returncode == 0, p.stdout + p.stderr


class Listener:
    """A client started in the background whose line-buffered output is
    watched: wait() for a line matching a pattern, then stop()."""

    def __init__(self, argv):
        self.p = subprocess.Popen(['stdbuf', '-oL', '-eL'] + argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.text = b''

    def lines(self):
        return self.text.decode(errors='replace').splitlines()

    def wait(self, pattern, timeout=15):
        """Reads the raw pipe (a buffered reader would hide lines from select())."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while not any(rx.search(l) for l in self.lines()):
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.p.stdout], [], [], max(0.0, left))
            if not r:
                return False
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return False
            self.text += chunk
        return True

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.text += self.p.stdout.read()
        return '\n'.join(self.lines())


# --- the evemu description, parsed: what every client must find ---

def parse_evemu(text):
    """N/I/P/B/A lines of an evemu description (evemu-describe's format) as
    {name, id, props, bits: {type: set}, abs: {code: (min, max, fuzz, flat, res)}}."""
    d = {'name': None, 'id': None, 'props': set(), 'bits': {}, 'abs': {}}
    raw = {}
    props = []
    for line in text.splitlines():
        if line.startswith('N: '):
            d['name'] = line[3:]
        elif line.startswith('I: '):
            d['id'] = tuple(int(x, 16) for x in line[3:].split())
        elif line.startswith('P: '):
            props += [int(x, 16) for x in line[3:].split()]
        elif line.startswith('B: '):
            f = [int(x, 16) for x in line[3:].split()]
            raw.setdefault(f[0], []).extend(f[1:])
        elif line.startswith('A: '):
            f = line[3:].split()
            d['abs'][int(f[0], 16)] = tuple(int(x) for x in f[1:6])
    d['props'] = {i * 8 + b for i, byte in enumerate(props) for b in range(8) if byte >> b & 1}
    for t, data in raw.items():
        bits = {i * 8 + b for i, byte in enumerate(data) for b in range(8) if byte >> b & 1}
        if bits:
            d['bits'][t] = bits
    return d


def parse_evtest(text):
    """evtest's dump (before "Testing ...") in parse_evemu()'s shape."""
    d = {'name': None, 'id': None, 'props': set(), 'bits': {}, 'abs': {}}
    etype = code = None
    field = {}
    for line in text.splitlines():
        if line.startswith('Testing'):
            break
        m = re.match(r'Input device ID: bus 0x([0-9a-f]+) vendor 0x([0-9a-f]+) product 0x([0-9a-f]+) '
                     r'version 0x([0-9a-f]+)', line)
        if m:
            d['id'] = tuple(int(x, 16) for x in m.groups())
        m = re.match(r'Input device name: "(.*)"$', line)
        if m:
            d['name'] = m.group(1)
        m = re.match(r'  Event type (\d+) ', line)
        if m:
            etype = int(m.group(1))
            d['bits'].setdefault(0, set()).add(etype)
        m = re.match(r'    Event code (\d+) ', line)
        if m:
            code = int(m.group(1))
            d['bits'].setdefault(etype, set()).add(code)
            if etype == 3:
                field = {}
                d['abs'][code] = field
        m = re.match(r'      (Min|Max|Fuzz|Flat|Resolution)\s+(-?\d+)', line)
        if m and etype == 3:
            field[m.group(1)] = int(m.group(2))
        m = re.match(r'  Property type (\d+) ', line)
        if m:
            d['props'].add(int(m.group(1)))
    d['abs'] = {c: (f.get('Min', 0), f.get('Max', 0), f.get('Fuzz', 0), f.get('Flat', 0), f.get('Resolution', 0))
                for c, f in d['abs'].items()}
    return d


def differences(want, got):
    out = []
    for k in ('name', 'id', 'props'):
        if want[k] != got[k]:
            out.append('%s: want %r, got %r' % (k, want[k], got[k]))
    for t in sorted(set(want['bits']) | set(got['bits'])):
        w, g = want['bits'].get(t, set()), got['bits'].get(t, set())
        if w != g:
            out.append('type %d: missing %s, extra %s' % (t, sorted(w - g), sorted(g - w)))
    for c in sorted(set(want['abs']) | set(got['abs'])):
        if want['abs'].get(c) != got['abs'].get(c):
            out.append('abs %d: want %r, got %r' % (c, want['abs'].get(c), got['abs'].get(c)))
    return out


tools = {'evtest': 'evtest', 'evemu-describe': 'evemu-tools', 'libinput': 'libinput-tools', 'stdbuf': 'coreutils',
         'udevadm': 'udev'}
missing = [pkg for tool, pkg in tools.items() if not shutil.which(tool)]
if subprocess.run([PYTHON, '-c', 'import evdev'], capture_output=True).returncode != 0:
    missing.append('python3-evdev')
if missing:
    why = 'missing: ' + ' '.join(missing)
    if os.environ.get('CI') == 'true':
        print('1..1\nnot ok 1 - evdev clients present # ' + why)
        sys.exit(1)
    print('1..0 # SKIP ' + why)
    sys.exit(0)

with open(DESCRIPTION) as f:
    want = parse_evemu(f.read())

# --- evtest: its scan of /dev/input, the dump, then injected events ---
p = subprocess.run(['evtest'], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
listed = re.findall(r'^(/dev/input/event\d+):\t(.*)$', p.stderr, re.M)
check('evtest: its scan of /dev/input/event* lists the devices with their names',
      all((node(n), nm) in listed for n, nm in ((DESCRIBED, want['name']),)) and
      {node(KEYBOARD), node(MOUSE)} <= {l[0] for l in listed}, listed, p.stderr)


ev = Listener(['evtest', node(DESCRIBED)])
ready = ev.wait(r'^Testing \.\.\.')
ok, why = inject(DESCRIBED, ['EV_ABS ABS_X 500', 'EV_ABS ABS_Y 300', 'EV_KEY BTN_TOUCH 1', 'SYN'])
seen = ev.wait(r'type 1 \(EV_KEY\), code 330 \(BTN_TOUCH\), value 1') and ev.wait(r'SYN_REPORT')
out = ev.stop()
diff = differences(want, parse_evtest(out))
check('evtest: the device dump (name, id, types, codes, absinfo, properties) is the evemu description',
      ready and not diff, *diff, out)
check('evtest: events injected with cusekit events arrive, in order, with SYN_REPORT',
      ok and seen and re.search(r'code 0 \(ABS_X\), value 500\n.*code 1 \(ABS_Y\), value 300\n.*code 330 \(BTN_TOUCH\), '
                                r'value 1\n.*SYN_REPORT', out), why, out)
p = subprocess.run(['evtest', '--query', node(DESCRIBED), 'EV_KEY', 'BTN_TOUCH'], capture_output=True, text=True)
check('evtest --query: BTN_TOUCH is down after the injected press (EVIOCGKEY), exit status 10', p.returncode == 10,
      p.returncode, p.stdout, p.stderr)

# --- evemu-describe reproduces the description ---
p = subprocess.run(['evemu-describe', node(DESCRIBED)], capture_output=True, text=True, timeout=20)
diff = differences(want, parse_evemu(p.stdout))
check('evemu-describe: its N/I/P/B/A lines reproduce the evemu= description', p.returncode == 0 and not diff,
      *diff, p.stdout, p.stderr)

# --- python3-evdev ---
PY = r'''
import evdev, os, select, subprocess, sys, shlex
from evdev import ecodes as e
CK = shlex.split(os.environ["CK"])
name = sys.argv[1]
d = evdev.InputDevice("/dev/input/" + name)
caps = d.capabilities(absinfo=True)
print("name", d.name)
print("info", d.info.bustype, d.info.vendor, d.info.product, d.info.version)
print("types", sorted(caps))
print("keys", sorted(caps.get(e.EV_KEY, [])))
print("abs", sorted((c, a.min, a.max, a.fuzz, a.flat, a.resolution) for c, a in caps.get(e.EV_ABS, [])))
print("props", sorted(d.input_props()))
def inject(lines):
    subprocess.run(CK + ["set", name, "events", "\n".join(lines)], text=True, check=True)
inject(["EV_ABS ABS_X 123", "EV_KEY BTN_TOUCH 0", "SYN"])
got = []
for ev in d.read_loop():
    got.append((ev.type, ev.code, ev.value))
    if ev.type == e.EV_SYN:
        break
print("read_loop", got)
print("absinfo", tuple(d.absinfo(e.ABS_X)[:2]))
other = evdev.InputDevice("/dev/input/" + name)
d.grab()
inject(["EV_ABS ABS_X 77", "SYN"])
r, _, _ = select.select([d.fd], [], [], 5)
print("grabber", [(x.type, x.code, x.value) for x in d.read()] if r else None)
r, _, _ = select.select([other.fd], [], [], 0.5)
print("other_while_grabbed", bool(r))
try:
    other.grab()
    print("second_grab ok")
except OSError as x:
    print("second_grab", x.errno)
d.ungrab()
inject(["EV_ABS ABS_X 78", "SYN"])
r, _, _ = select.select([other.fd], [], [], 5)
print("other_after_ungrab", [(x.type, x.code, x.value) for x in other.read()] if r else None)
'''
p = subprocess.run([PYTHON, '-c', PY, DESCRIBED], capture_output=True, text=True, timeout=60)
lines = dict(l.split(' ', 1) for l in p.stdout.splitlines() if ' ' in l)
want_abs = sorted((c,) + a for c, a in want['abs'].items())
ok = (p.returncode == 0 and lines.get('name') == want['name'] and lines.get('info') == '%d %d %d %d' % want['id'] and
      lines.get('types') == str(sorted(want['bits'][0])))
check('python3-evdev: name, id, capabilities, properties are the description',
      ok and lines.get('keys') == str(sorted(want['bits'].get(1, set()))) and
      lines.get('props') == str(sorted(want['props'])), p.stdout, p.stderr)
check('python3-evdev: absinfo of every axis is the description', lines.get('abs') == str(want_abs),
      'want abs %s' % want_abs, p.stdout, p.stderr)
check('python3-evdev: read_loop returns the injected events, and absinfo follows the axis',
      lines.get('read_loop') == '[(3, 0, 123), (1, 330, 0), (0, 0, 0)]' and lines.get('absinfo') == '(123, 0)',
      p.stdout, p.stderr)
check('python3-evdev: grab: the grabber reads, a second reader gets nothing and EBUSY on its grab, '
      'and reads again after ungrab',
      lines.get('grabber') == '[(3, 0, 77), (0, 0, 0)]' and lines.get('other_while_grabbed') == 'False' and
      lines.get('second_grab') == '16' and lines.get('other_after_ungrab') == '[(3, 0, 78), (0, 0, 0)]',
      p.stdout, p.stderr)

# --- what udev knows: libinput's prerequisite ---
p = subprocess.run(['udevadm', 'info', '--query=property', node(KEYBOARD)], capture_output=True, text=True)
props = dict(l.split('=', 1) for l in p.stdout.splitlines() if '=' in l)
check('udev: the keyboard node is ID_INPUT_KEYBOARD, with its DEVNAME (udevadm info)',
      p.returncode == 0 and props.get('ID_INPUT') == '1' and props.get('ID_INPUT_KEYBOARD') == '1' and
      props.get('DEVNAME') == node(KEYBOARD), p.stdout, p.stderr)
p = subprocess.run(['udevadm', 'info', '--query=property', node(DESCRIBED)], capture_output=True, text=True)
props = dict(l.split('=', 1) for l in p.stdout.splitlines() if '=' in l)
x, y = want['abs'][0], want['abs'][1]
check('udev: the described device is a touchpad of the size its axes give (ID_INPUT_TOUCHPAD, _WIDTH_MM)',
      p.returncode == 0 and props.get('ID_INPUT_TOUCHPAD') == '1' and 'ID_INPUT_MOUSE' not in props and
      props.get('ID_INPUT_WIDTH_MM') == str((x[1] - x[0]) // x[4]) and
      props.get('ID_INPUT_HEIGHT_MM') == str((y[1] - y[0]) // y[4]), p.stdout, p.stderr)

# Under cusekit run the nodes have the input class devices the kernel
# makes (capabilities/, id/, properties): there udev's own input_id builtin
# can classify them, and must agree with the database entries served.
# (Under CUSE the kernel's device is a cuse one: nothing to compare with.)
for name in [KEYBOARD, MOUSE, DESCRIBED] + EXTRA if os.path.isdir('/sys/class/input/' + KEYBOARD) else ():
    p = subprocess.run(['udevadm', 'test-builtin', 'input_id', '/sys/class/input/' + name], capture_output=True,
                       text=True)
    builtin = sorted(l for l in p.stdout.splitlines() if l.startswith('ID_INPUT'))
    q = subprocess.run(['udevadm', 'info', '--query=property', node(name)], capture_output=True, text=True)
    served = sorted(l for l in q.stdout.splitlines() if l.startswith('ID_INPUT'))
    check('udev: %s: the entry served is what udevadm test-builtin input_id computes from its sysfs (%s)'
          % (name, ' '.join(builtin)), p.returncode == 0 and builtin and builtin == served,
          p.stdout, p.stderr, q.stdout, q.stderr)

# Under cusekit run, udevadm info -a walks from the node to its input
# device as on a real machine: event7 sits in input7 (the kernel's layout,
# no glue directory), whose attributes are the device's, and no further.
if os.path.isdir('/sys/class/input/' + KEYBOARD) and re.fullmatch(r'event[1-9]\d*|event0', KEYBOARD):
    number = KEYBOARD[len('event'):]
    d = subprocess.run(['evemu-describe', node(KEYBOARD)], capture_output=True, text=True, timeout=20)
    name = re.search(r'^N: (.*)$', d.stdout, re.M)
    p = subprocess.run(['udevadm', 'info', '-a', node(KEYBOARD)], capture_output=True, text=True)
    q = subprocess.run(['udevadm', 'info', node(KEYBOARD)], capture_output=True, text=True)
    walked = re.findall(r"looking at (?:parent )?device '([^']*)'", p.stdout)
    check('udevadm info -a: the node %s, then its input device input%s (ATTRS{name}, id, capabilities), '
          'subsystem input both' % (KEYBOARD, number),
          p.returncode == 0 and name and
          walked == ['/devices/virtual/input/input%s/%s' % (number, KEYBOARD), '/devices/virtual/input/input' + number] and
          'KERNEL=="%s"' % KEYBOARD in p.stdout and 'KERNELS=="input%s"' % number in p.stdout and
          p.stdout.count('SUBSYSTEMS=="input"') == 1 and 'ATTRS{name}=="%s"' % name.group(1) in p.stdout and
          'ATTRS{id/bustype}=="0011"' in p.stdout and 'ATTRS{capabilities/ev}=="120013"' in p.stdout and
          q.returncode == 0 and 'P: /devices/virtual/input/input%s/%s\n' % (number, KEYBOARD) in q.stdout,
          walked, p.stdout, p.stderr, q.stdout, d.stdout)

# --- libinput: key presses and pointer motion, injected after it started ---
li = Listener(['libinput', 'debug-events', '--show-keycodes', '--device', node(KEYBOARD)])
added = li.wait(r'DEVICE_ADDED')
ok, why = inject(KEYBOARD, ['EV_KEY KEY_A 1', 'SYN', 'EV_KEY KEY_A 0', 'SYN'])
seen = li.wait(r'KEYBOARD_KEY .*KEY_A \(30\) released')
out = li.stop()
check('libinput debug-events: the keyboard is added (cap:k) and sees KEY_A pressed and released',
      added and ok and seen and re.search(r'DEVICE_ADDED.*cap:k', out) and
      re.search(r'KEYBOARD_KEY .*KEY_A \(30\) pressed', out), 'added=%s injected=%s seen=%s' % (added, ok, seen), why, out)

li = Listener(['libinput', 'debug-events', '--device', node(MOUSE)])
added = li.wait(r'DEVICE_ADDED')
ok, why = inject(MOUSE, ['EV_REL REL_X 5', 'EV_REL REL_Y -3', 'SYN', 'EV_KEY BTN_LEFT 1', 'SYN',
                         'EV_KEY BTN_LEFT 0', 'SYN'])
seen = li.wait(r'POINTER_BUTTON .*BTN_LEFT \(272\) released')
out = li.stop()
check('libinput debug-events: the mouse is added (cap:p) and sees pointer motion and a button click',
      added and ok and seen and re.search(r'DEVICE_ADDED.*cap:p', out) and re.search(r'POINTER_MOTION', out) and
      re.search(r'POINTER_BUTTON .*BTN_LEFT \(272\) pressed', out), 'added=%s injected=%s seen=%s' % (added, ok, seen), why, out)

finish()
