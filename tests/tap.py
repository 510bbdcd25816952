# SPDX-License-Identifier: LGPL-2.1-or-later
"""The TAP the Python client tests print: check() per case, finish() at the end."""
import sys

results = []


def check(name, ok, *detail):
    results.append((name, bool(ok), '\n'.join(str(d) for d in detail)))


def finish():
    print('1..%d' % len(results))
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            failed += 1
            for line in detail.splitlines():
                print('# ' + line)
    sys.exit(1 if failed else 0)
