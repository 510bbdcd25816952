#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Parses the kernel's ioctl-number registry into the table `cusekit abi
--check` reads (data/ioctl-numbers.tsv): one row per registered range.

usage: refresh-ioctl-numbers.py [SOURCE] [OUTPUT]

SOURCE: a kernel source tarball (default /usr/src/linux-source-6.1.tar.xz,
from `apt-get install linux-source-6.1`), a kernel tree, or the .rst itself.
OUTPUT defaults to ioctl-numbers.tsv next to this script.
"""
import io
import os
import re
import sys
import tarfile

RST = 'Documentation/userspace-api/ioctl/ioctl-number.rst'


def read_source(src):
    """(rst text, kernel version or None)"""
    if os.path.isdir(src):
        rst = open(os.path.join(src, RST), encoding='utf-8').read()
        mk = os.path.join(src, 'Makefile')
        return rst, version_of(open(mk).read()) if os.path.exists(mk) else None
    if src.endswith('.rst'):
        return open(src, encoding='utf-8').read(), None
    rst = version = None
    with tarfile.open(src) as tar:
        for m in tar:
            if m.name.endswith('/' + RST):
                rst = tar.extractfile(m).read().decode('utf-8')
            elif m.name.count('/') == 1 and m.name.endswith('/Makefile'):
                version = version_of(tar.extractfile(m).read().decode('utf-8'))
            if rst and version:
                break
    if rst is None:
        sys.exit('%s: no %s in it' % (src, RST))
    return rst, version


def version_of(makefile):
    v = dict(re.findall(r'^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION) = *(\S*)', makefile, re.M))
    return '%s.%s.%s%s' % (v.get('VERSION'), v.get('PATCHLEVEL'), v.get('SUBLEVEL'), v.get('EXTRAVERSION', ''))


def parse_code(text):
    text = text.strip()
    m = re.fullmatch(r"'(.)'", text)
    if m:
        return ord(m.group(1))
    if re.fullmatch(r'0x[0-9A-Fa-f]{1,2}', text):
        return int(text, 16)
    return None


def parse_seq(text):
    text = text.strip()
    if text.lower() == 'all':
        return 0x00, 0xff
    m = re.fullmatch(r'([0-9A-Fa-f]{1,2})(?:-([0-9A-Fa-f]{1,2}))?', text)
    if not m:
        return None
    lo = int(m.group(1), 16)
    return lo, int(m.group(2), 16) if m.group(2) else lo


def parse(rst):
    lines = rst.splitlines()
    borders = [i for i, l in enumerate(lines) if re.fullmatch(r'=+( +=+){3}', l)]
    if len(borders) < 3:
        sys.exit('the registry table was not found (its layout changed?)')
    # column starts from the border under the header row
    cols = [m.start() for m in re.finditer(r'=+', lines[borders[1]])]
    rows, bad = [], []
    for l in lines[borders[1] + 1:borders[2]]:
        field = lambda i: l[cols[i]:cols[i + 1] if i + 1 < len(cols) else None].strip()
        if not l.strip():
            continue
        if l[:cols[1]].strip() == '':          # continuation of the row above
            if rows:
                rows[-1][3] = (rows[-1][3] + ' ' + field(2)).strip()
                rows[-1][4] = (rows[-1][4] + ' ' + field(3)).strip()
            continue
        code, seq = parse_code(field(0)), parse_seq(field(1))
        if code is None or seq is None:
            bad.append(l)
            continue
        rows.append([code, seq[0], seq[1], field(2), field(3)])
    return rows, bad


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else '/usr/src/linux-source-6.1.tar.xz'
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, 'ioctl-numbers.tsv')
    rst, version = read_source(src)
    rows, bad = parse(rst)
    for l in bad:
        print('refresh-ioctl-numbers: skipped a row it cannot read: %r' % l, file=sys.stderr)
    with open(out, 'w') as f:
        f.write('# The kernel\'s ioctl-number registry (%s), one row per registered range,\n' % RST)
        f.write('# written by data/refresh-ioctl-numbers.py: do not edit, refresh.\n')
        f.write('# kernel: %s\n' % (version or 'unknown'))
        f.write('# group\tfirst\tlast\tinclude\tcomment\n')
        for code, lo, hi, inc, comment in rows:
            f.write('0x%02X\t0x%02X\t0x%02X\t%s\t%s\n' % (code, lo, hi, inc, comment))
    print('%s: %d ranges from kernel %s' % (out, len(rows), version or 'unknown'))


if __name__ == '__main__':
    main()
