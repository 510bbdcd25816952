#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The gpio family under `cusekit run`, driven by Debian's own clients:
the gpiod tools (libgpiod 1.6: the v1 uAPI, line requests as descriptors
the ioctl returns) and python3-libgpiod, with edges injected from inside
the run through `cusekit set` ($CUSEKIT_CONTROL).  Prints TAP.
env: CUSEKIT_CLI.  With CI=true a missing tool fails instead of skipping."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from tap import check, finish  # noqa: E402

cli = os.environ['CUSEKIT_CLI']
DEVICE = 'gpio:gpiochip7,lines=8,names=reset:led:button,wire=5:6'


def run(script, timeout=30):
    p = subprocess.run([cli, 'run', '--device', DEVICE, '--', 'sh', '-c', script], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout, env=dict(os.environ, CK=cli))
    return p.returncode, p.stdout, p.stderr


missing = [t for t in ('gpioinfo', 'gpioget', 'gpioset', 'gpiomon') if not shutil.which(t)]
python = '/usr/bin/python3'
have_py = subprocess.run([python, '-c', 'import gpiod'], capture_output=True).returncode == 0
if missing or not have_py:
    why = 'missing: ' + ' '.join(missing + ([] if have_py else ['python3-libgpiod']))
    if os.environ.get('CI') == 'true':
        print('1..1\nnot ok 1 - gpiod tools present # ' + why)
        sys.exit(1)
    print('1..0 # SKIP ' + why)
    sys.exit(0)

rc, out, err = run('gpioinfo gpiochip7')
lines = out.splitlines()
check('gpioinfo: the chip, its 8 lines and their names',
      rc == 0 and lines[0] == 'gpiochip7 - 8 lines:' and len(lines) == 9 and '"reset"' in lines[1]
      and '"button"' in lines[3] and 'unnamed' in lines[4] and all('unused   input' in l for l in lines[1:]),
      out, err)

rc, out, err = run('$CK set gpiochip7 line/3 1 && gpioget gpiochip7 3 2 && gpioget --active-low gpiochip7 3')
check('gpioget reads the levels set through the control API (and active low)',
      rc == 0 and out.split() == ['1', '0', '0'], out, err)

rc, out, err = run('gpioset gpiochip7 1=1 && gpioinfo gpiochip7 && $CK get gpiochip7')
check('gpioset drives an output: gpioinfo shows it, the state shows its level',
      rc == 0 and '"led"       unused  output  active-high' in out and 'line/1 = true' in out, out, err)

# A held line: gpioset waits for a signal while gpioinfo and gpioget look.
rc, out, err = run('gpioset --mode=signal gpiochip7 4=1 & P=$!; sleep 0.5; gpioinfo gpiochip7 | grep "line   4"; '
                   'gpioget gpiochip7 4; echo "get: $?"; kill $P; wait')
check('a requested line shows its consumer; a second request gets EBUSY',
      '"gpioset"  output  active-high [used]' in out and 'get: 1' in out and 'Device or resource busy' in err,
      out, err)

rc, out, err = run('gpiomon --num-events=3 gpiochip7 2 & sleep 0.5; $CK set gpiochip7 line/2 1; sleep 0.1; '
                   '$CK set gpiochip7 line/2 0; sleep 0.1; $CK set gpiochip7 line/2 1; wait')
events = [l for l in out.splitlines() if l.startswith('event:')]
check('gpiomon sees the edges injected through the control API',
      rc == 0 and len(events) == 3 and 'RISING EDGE offset: 2' in events[0] and 'FALLING EDGE offset: 2' in events[1]
      and 'RISING EDGE offset: 2' in events[2], out, err)

rc, out, err = run('gpiomon --num-events=1 --rising-edge gpiochip7 6 & sleep 0.5; gpioset gpiochip7 5=1; wait')
check("wire=5:6: the client's own output drives its input",
      rc == 0 and 'RISING EDGE offset: 6' in out, out, err)

PY = r'''
import gpiod, select
c = gpiod.Chip("gpiochip7")
print(c.name(), c.label(), c.num_lines())
out = c.get_line(0)
out.request(consumer="py", type=gpiod.LINE_REQ_DIR_OUT, default_vals=[1])
print(out.consumer(), out.direction() == gpiod.Line.DIRECTION_OUTPUT, out.get_value())
try:
    c.get_line(0).request(consumer="again", type=gpiod.LINE_REQ_DIR_IN)
except OSError as e:
    print("busy", e.errno)
ev = c.get_line(7)
ev.request(consumer="pyev", type=gpiod.LINE_REQ_EV_BOTH_EDGES)
import subprocess, os
subprocess.run([os.environ["CK"], "set", "gpiochip7", "line/7", "1"], check=True)
print("ready", ev.event_wait(sec=5))
e = ev.event_read()
print("event", e.type == gpiod.LineEvent.RISING_EDGE, e.source.offset())
'''
rc, out, err = run(python + " -c '" + PY + "'")
check('python3-libgpiod: chip, output request, EBUSY, an edge event',
      rc == 0 and out.split('\n')[:5] == ['gpiochip7 cusekit-gpio 8', 'py True 1', 'busy 16', 'ready True',
                                          'event True 7'], out, err)

finish()
