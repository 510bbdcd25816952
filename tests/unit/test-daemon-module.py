#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cusekitd --module, modules= in the config and CUSEKIT_MODULE_PATH, on a
host without CUSE: a module's types are known and its init runs before the
daemon looks for /dev/cuse; refused modules stop it with the reason.  And
cusekit run --module: the example family's typed client served through the
seccomp transport.  Prints TAP.
env: CUSEKITD, CUSEKIT_CLI, CK_COUNTER_CLIENT (test-cuse-counter), CK_TEST_MODULE_DIR;
     CUSEKIT_EXAMPLE_MODULE (.ci/run: the example built against the installed SDK)"""
import os
import re
import subprocess
import sys
import tempfile

daemon = os.environ['CUSEKITD']
cli = os.environ['CUSEKIT_CLI']
client = os.environ['CK_COUNTER_CLIENT']
mods = os.environ['CK_TEST_MODULE_DIR']
tmp = tempfile.mkdtemp(prefix='ck-test-daemon-module-')
results = []
NO_CUSE = ['--cuse-path', os.path.join(tmp, 'no-cuse'), '--control-socket', 'none']


def run(*args, env=None, program=None):
    p = subprocess.run((program or [daemon]) + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, **dict({'CUSEKIT_MODULE_PATH': ''}, **(env or {}))), timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(name, ok, *detail):
    results.append((name, bool(ok), '\n'.join(str(d) for d in detail)))


def module(name):
    return os.path.join(mods, name)


example = os.environ.get('CUSEKIT_EXAMPLE_MODULE') or module('counter.so')
print('# example module: ' + example)

rc, out, err = run('--device', 'counter:c0', *NO_CUSE)
check('without the module, its type is unknown', rc == 1 and "unknown device type 'counter'" in err, err)

rc, out, err = run('--module', example, '--device', 'counter:c0,value=x', *NO_CUSE)
check("with --module, the module's init runs in the daemon (and rejects value=x)",
      rc == 1 and "device 'c0': value=x is not a number" in err, err)

rc, out, err = run('--module', example, '--device', 'counter:c0,value=5', *NO_CUSE)
check('with --module, the device is made; only the missing CUSE stops the daemon',
      rc == 1 and 'this kernel has no CUSE' in err, err)

rc, out, err = run('--module', example, '--help')
check('--module before --help lists the module\'s type', rc == 0 and 'counter ' in out and 'out-of-tree example' in out, out)

moddir = os.path.join(tmp, 'modules')
os.mkdir(moddir)
os.symlink(module('counter.so'), os.path.join(moddir, 'counter.so'))
rc, out, err = run('--help', env={'CUSEKIT_MODULE_PATH': moddir})
check('CUSEKIT_MODULE_PATH: every *.so there is loaded', rc == 0 and 'out-of-tree example' in out, out, err)
rc, out, err = run('--module', module('counter.so'), '--device', 'counter:c0', *NO_CUSE, env={'CUSEKIT_MODULE_PATH': moddir})
check('a module given again after the default directories is refused as loaded twice',
      rc == 1 and 'module already loaded' in err, err)

conf = os.path.join(tmp, 'cusekitd.conf')
open(conf, 'w').write('[cusekitd]\nmodules=%s\n\n[device c0]\ntype=counter\nvalue=x\n' % module('counter.so'))
rc, out, err = run('--config', conf, *NO_CUSE)
check('modules= in the config file loads it too', rc == 1 and 'value=x is not a number' in err, err)

for name, why in (('mod-wrong-api.so', 'built for cusekit device API 99, but this program speaks API 1'),
                  ('atom.so', "device type 'atom' is already registered (built in)"),
                  ('mod-plain.so', 'not a cusekit module: it registers no device type'),
                  ('no-such-module.so', 'No such file or directory')):
    rc, out, err = run('--module', module(name), '--device', 'atom:a0', *NO_CUSE)
    check('cusekitd refuses %s: %s' % (name, why), rc == 1 and ('--module: ' + module(name)) in err and why in err, err)

# --- cusekit run --module: no CUSE, no root ---
run_cli = [cli, 'run']
rc, out, err = run('--module', example, '--device', 'counter:counter0', '--', client, program=run_cli,
                   env={'CK_TEST_TRANSPORT': 'run'})
check('cusekit run --module: the example\'s typed client passes against its emulated /dev/counter0',
      rc == 0 and re.search(r'^ok 3 /run/counter/bad-batch$', out, re.M) and 'not ok' not in out, out, err)
rc, out, err = run('--module', example, '--device', 'counter:counter0,value=x', '--', 'true', program=run_cli)
check("cusekit run --module: the module's init runs (and rejects value=x)",
      rc == 125 and 'value=x is not a number' in err, err)
for name, why in (('mod-wrong-api.so', 'built for cusekit device API 99, but this program speaks API 1'),
                  ('atom.so', "device type 'atom' is already registered (built in)")):
    rc, out, err = run('--module', module(name), '--device', 'atom:atom0', '--', 'true', program=run_cli)
    check('cusekit run refuses %s: %s' % (name, why), rc != 0 and why in err, err)

print('1..%d' % len(results))
for n, (name, ok, detail) in enumerate(results, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
    if not ok:
        for line in detail.splitlines():
            print('# ' + line)
import shutil
shutil.rmtree(tmp)
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
