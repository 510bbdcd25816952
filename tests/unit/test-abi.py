#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cusekit abi: --check flags a colliding group, duplicates and silent lies
(and passes clean families); --header compiles and its numbers are the
served ones; --table names the CUSE mode and why.  Prints TAP.

env: CUSEKIT_CLI, CK_TEST_MODULE_DIR, CUSEKIT_IOCTL_NUMBERS, CC,
     CK_SOURCE_ROOT (for the in-tree atom-abi.h), CK_KERNEL_TARBALL (optional)
"""
import os
import re
import subprocess
import sys
import tempfile

cli = os.environ['CUSEKIT_CLI']
mods = os.environ['CK_TEST_MODULE_DIR']
src = os.environ['CK_SOURCE_ROOT']
cc = os.environ.get('CC', 'cc').split()
tmp = tempfile.mkdtemp(prefix='ck-test-abi-')
results = []


def abi(*args, env=None):
    p = subprocess.run([cli, 'abi'] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=dict(os.environ, **dict({'CUSEKIT_MODULE_PATH': ''}, **(env or {}))))
    return p.returncode, p.stdout


def check(name, ok, detail=''):
    results.append((name, bool(ok), detail))


def module(name):
    return os.path.join(mods, name)


def numbers_from_table(out):
    """NAME -> request, from --table rows"""
    return {m.group(1): int(m.group(2), 16) for m in re.finditer(r'^([A-Z0-9_]+) +0x([0-9a-f]+) ', out, re.M)}


def compile_and_run(c_text, name, includes=()):
    c = os.path.join(tmp, name + '.c')
    exe = os.path.join(tmp, name)
    open(c, 'w').write(c_text)
    p = subprocess.run(cc + ['-std=c11', '-Wall', '-Werror', '-I' + tmp] + ['-I' + i for i in includes] +
                       ['-o', exe, c], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        return None, p.stdout
    return subprocess.run([exe], stdout=subprocess.PIPE, text=True).stdout, ''


def printed(out):
    return {l.split()[0]: int(l.split()[1], 16) for l in out.splitlines()}


# --- --check ---
rc, out = abi('atom', '--check')
check('atom --check: group 0xD1 is free and nothing is flagged', rc == 0 and "group 0xD1: free in the kernel's registry" in out
      and 'ok: no collision' in out, out)

rc, out = abi(module('counter.so'), '--check')
check('the example module --check: group 0xD3 is free', rc == 0 and "group 0xD3: free" in out, out)

rc, out = abi('fifo', '--check')
check("fifo --check: FIONREAD is in the kernel's 'T' group, fifo's own 0xD2 is free",
      rc == 1 and re.search(r"^collision: FIONREAD \(0x541b: group 'T' nr 0x1B\) .*arch/x86/include/asm/ioctls.h", out, re.M)
      and 'group 0xD2: free' in out and '1 problem' in out, out)
rc, out = abi('fifo', '--check', '--mirrors', 'FIONREAD')
check("fifo --check --mirrors FIONREAD: the kernel's own number, mirrored on purpose, is no problem",
      rc == 0 and "kernel's own: FIONREAD" in out, out)

rc, out = abi(module('mod-collide.so'), '--check')
check("a module in group 'T' (termios) is flagged, row by row",
      rc == 1 and re.search(r"^collision: COLLIDE_GET \(0x80085470: group 'T' nr 0x70\) is in the kernel's registry: .*'T' 0x00-0xFF", out, re.M)
      and re.search(r"^collision: COLLIDE_SET ", out, re.M), out)
check('an nr used twice in one direction is flagged; in the other direction it is not',
      re.search(r"^duplicate: COLLIDE_GET_WIDE \(0x80105470\) uses group 'T' nr 0x70 again, after COLLIDE_GET", out, re.M)
      and not re.search(r'^duplicate: .*COLLIDE_SET', out, re.M), out)
check('an encoding that lies without saying so is flagged',
      re.search(r'^silent lie: COLLIDE_PUSH is encoded _IOR but its data flows in', out, re.M) and '6 problems' in out, out)
rc, out = abi(module('mod-collide.so'), '--check', '--mirrors', 'COLLIDE_*')
check("--mirrors with a glob takes the registry's collisions and the kernel's reused nr, not the family's own faults",
      rc == 1 and 'collision:' not in out and "kernel's own: COLLIDE_GET " in out
      and re.search(r"^kernel's own: COLLIDE_GET_WIDE \(0x80105470\) reuses nr 0x70 of COLLIDE_GET", out, re.M)
      and 'silent lie: COLLIDE_PUSH' in out and '1 problem' in out, out)
for t in ('rtc', 'watchdog', 'i2c', 'tty', 'evdev'):
    rc, out = abi(t, '--check', '--mirrors', '*')
    check('%s, mirroring the kernel (--mirrors "*"): no duplicate, no undeclared lie' % t,
          rc == 0 and 'ok: no collision' in out, out)
rc, out = abi('spi', '--check', '--mirrors', 'SPI_*')
check("spi (spidev's own numbers, RD/WR pairs, a caller-sized SPI_IOC_MESSAGE) is clean as the kernel's mirror",
      rc == 0 and 'ok: no collision' in out, out)

# a registry in which atom's group is taken: the check reads the table it is given
reg = os.path.join(tmp, 'numbers.tsv')
with open(reg, 'w') as f:
    f.write('# kernel: test\n0xD1\t0x04\t0x06\tlinux/somebody.h\tsomebody else\n')
rc, out = abi('atom', '--check', '--registry', reg)
hits = re.findall(r'^collision: (\w+) ', out, re.M)
check('a group made to collide (0xD1 04-06) flags exactly ATOM_RESET, ATOM_POKE and ATOM_LOAD',
      rc == 1 and hits == ['ATOM_RESET', 'ATOM_POKE', 'ATOM_LOAD'] and 'kernel test' in out
      and 'linux/somebody.h somebody else' in out, out)

# --- --header ---
def macro_calls(header):
    """NAME -> C expression: object-like as is, function-like at index 0 and count 0"""
    calls = {}
    for name, params in re.findall(r'^#define ([A-Z0-9_]+)(\([a-z, ]*\))? ', header, re.M):
        calls[name] = name + ('(' + ', '.join('0' for _ in params.strip('()').split(',')) + ')' if params else '')
    return calls


for what, label in (('atom', 'atom'), (module('counter.so'), 'the example module'), ('rtc', 'rtc'), ('i2c', 'i2c'),
                    ('spi', 'spi (a caller-sized row)')):
    rc, header = abi(what, '--header')
    trc, table = abi(what, '--table')
    want = numbers_from_table(table)
    h = os.path.join(tmp, 'gen.h')
    open(h, 'w').write(header)
    calls = macro_calls(header)
    prog = '#include "gen.h"\n#include <stdio.h>\nint main(void)\n{\n' + ''.join(
        '        printf("%s %%lx\\n", (unsigned long)(%s));\n' % (n, c) for n, c in calls.items()) + '        return 0;\n}\n'
    got, err = compile_and_run(prog, 'header')
    check('%s --header compiles, and every number in it is the one served' % label,
          rc == 0 and trc == 0 and got is not None and want and printed(got) == want,
          err or header + '\n' + (got or '') + str(want))

# independently of the tool: the in-tree definition's own numbers
rc, header = abi('atom', '--header')
names = re.findall(r'^#define ([A-Z0-9_]+) ', header, re.M)
prog = '#include <cusekit/devices/atom-abi.h>\n#include <stdio.h>\nint main(void)\n{\n' + ''.join(
    '        printf("%s %%lx\\n", CK_REQUEST(%s));\n' % (n, n) for n in names) + '        return 0;\n}\n'
os.makedirs(os.path.join(tmp, 'cusekit', 'devices'), exist_ok=True)
for rel, inst in (('include/cusekit/ioctl.h', 'cusekit/ioctl.h'), ('devices/atom/atom-abi.h', 'cusekit/devices/atom-abi.h')):
    open(os.path.join(tmp, inst), 'w').write(open(os.path.join(src, rel)).read())
ref, err = compile_and_run(prog, 'reference')
open(os.path.join(tmp, 'gen.h'), 'w').write(header)
gen, _ = compile_and_run('#include "gen.h"\n#include <stdio.h>\nint main(void)\n{\n' + ''.join(
    '        printf("%s %%lx\\n", (unsigned long)(%s));\n' % (n, n) for n in names) + '        return 0;\n}\n', 'gen')
check("atom --header's numbers equal atom-abi.h's CK_REQUEST()s (8 ioctls)",
      ref is not None and gen is not None and len(names) == 8 and printed(ref) == printed(gen), err + (ref or '') + (gen or ''))
check('atom --header declares the lie and the nested rows',
      re.search(r'^#define ATOM_LOAD .*lies: encoded _IOR like KVM', header, re.M)
      and re.search(r'^#define ATOM_BLOB_SET .*points at more user memory', header, re.M)
      and re.search(r'^struct atom_blob \{\n\t__u64 data;', header, re.M), header)

# --- --table ---
rc, out = abi(module('counter.so'), '--table')
check('--table of the example module: unrestricted, because COUNTER_ADD_BATCH is nested',
      rc == 0 and 'CUSE mode: unrestricted, with retry rounds (COUNTER_ADD_BATCH: nested)' in out
      and re.search(r'^COUNTER_GET +0x8008d301 _IOR +0xD3/01 +8 +out +flat', out, re.M), out)
rc, out = abi('atom-flat', '--table')
check('--table of atom-flat: restricted', rc == 0 and 'CUSE mode: restricted' in out, out)
rc, out = abi(module('mod-collide.so'), '--table')
check('--table shows the silent lie', re.search(r'^COLLIDE_PUSH .* LIES WITHOUT SAYING SO$', out, re.M), out)

# --- refusals, through the command line ---
rc, out = abi(module('mod-wrong-api.so'))
check('a module for another API version is refused, saying so',
      rc == 1 and 'built for cusekit device API 99, but this program speaks API 1' in out, out)
rc, out = abi(module('mod-plain.so'))
check('a shared object that is no cusekit module is refused, saying so', rc == 1 and 'not a cusekit module' in out, out)
rc, out = abi('no-such-type')
check('an unknown type is an error', rc == 1 and "no device type 'no-such-type'" in out, out)

# --- the shipped registry is what the refresh script makes of the kernel source ---
tarball = os.environ.get('CK_KERNEL_TARBALL', '/usr/src/linux-source-6.1.tar.xz')
shipped = os.environ['CUSEKIT_IOCTL_NUMBERS']
if os.path.exists(tarball):
    fresh = os.path.join(tmp, 'fresh.tsv')
    p = subprocess.run([sys.executable, os.path.join(src, 'data', 'refresh-ioctl-numbers.py'), tarball, fresh],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check('data/ioctl-numbers.tsv is what refresh-ioctl-numbers.py makes of %s' % os.path.basename(tarball),
          p.returncode == 0 and open(fresh).read() == open(shipped).read(), p.stdout)
else:
    results.append(('data/ioctl-numbers.tsv is what refresh-ioctl-numbers.py makes of the kernel source', None,
                    'no %s (apt-get install linux-source-6.1)' % tarball))

print('1..%d' % len(results))
for n, (name, ok, detail) in enumerate(results, 1):
    if ok is None:
        print('ok %d - %s # SKIP %s' % (n, name, detail))
        continue
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
    if not ok:
        for line in str(detail).splitlines():
            print('# ' + line)
import shutil
shutil.rmtree(tmp)
sys.exit(0 if all(ok is not False for _, ok, _ in results) else 1)
