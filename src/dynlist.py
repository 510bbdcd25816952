#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A version script's global symbols as an ld --dynamic-list: programs that
load modules export the device API to them (one implementation per
process: the program's).  usage: dynlist.py VERSION_SCRIPT OUTPUT"""
import re
import sys

text = re.sub(r'/\*.*?\*/', '', open(sys.argv[1]).read(), flags=re.S)
names = []
for block in re.findall(r'global:(.*?)(?:local:|\})', text, flags=re.S):
    names += [n.strip() for n in block.split(';') if n.strip()]
with open(sys.argv[2], 'w') as out:
    out.write('{\n' + ''.join('  %s;\n' % n for n in names) + '};\n')
