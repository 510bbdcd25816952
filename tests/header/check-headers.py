#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each public header compiles alone, as installed, in strict C and in C++.

The headers are copied into a temporary tree laid out as `meson install`
lays them out, so a header that needs a file that is not installed, or an
include it forgot, fails here rather than in a user's build.

usage: check-headers.py --cc CC [--cc ARG ...] [--cxx CXX] [--cflags FLAG ...]
                        SOURCE:INSTALLED_PATH:C_STD ...            (prints TAP)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

WARNINGS = ['-Wall', '-Wextra', '-Werror', '-pedantic', '-Wshadow', '-Wundef']

# Known failures, reported as TAP TODO so they stay visible without failing
# the suite; a fix turns them into an unexpected pass.  Remove when fixed.
TODO = {}


def compile_one(cmd, text):
    p = subprocess.run(cmd + ['-'], input=text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=dict(os.environ, LC_ALL='C'))
    return p.returncode == 0, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cc', action='append', required=True)  # a command: repeat per word
    ap.add_argument('--cxx')
    ap.add_argument('--cflags', action='append', default=[])
    ap.add_argument('headers', nargs='+')
    args = ap.parse_args()

    root = tempfile.mkdtemp(prefix='ck-headers-')
    try:
        headers = []
        for spec in args.headers:
            src, installed, std = spec.split(':')
            os.makedirs(os.path.join(root, os.path.dirname(installed)), exist_ok=True)
            shutil.copy(src, os.path.join(root, installed))
            headers.append((installed, std))

        common = ['-fsyntax-only', '-I' + root] + args.cflags
        # Included twice: the include guard must hold.
        checks = []
        for h, std in headers:
            text = '#include <%s>\n#include <%s>\n' % (h, h)
            checks.append((h, std, args.cc + ['-x', 'c', '-std=' + std] + WARNINGS + common, text))
            checks.append((h, 'c++11', [args.cxx, '-x', 'c++', '-std=c++11'] + WARNINGS + common
                           if args.cxx else None, text))

        print('1..%d' % len(checks))
        failed = 0
        for n, (h, lang, cmd, text) in enumerate(checks, 1):
            name = '%s compiles alone as %s' % (h, lang)
            if cmd is None:
                print('ok %d - %s # SKIP no C++ compiler' % (n, name))
                continue
            ok, out = compile_one(cmd, text)
            todo = TODO.get((h, lang))
            print('%s %d - %s%s' % ('ok' if ok else 'not ok', n, name, ' # TODO ' + todo if todo else ''))
            for line in out.splitlines():
                print('# ' + line)
            failed += not ok and not todo
        return 1 if failed else 0
    finally:
        shutil.rmtree(root)


if __name__ == '__main__':
    sys.exit(main())
