#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compile-fail tests for the ioctl definition language and the typed calls.

Each negative case is a pair of lines: the bad one must fail to compile
*with our diagnostic* (so an unrelated error cannot pass for it), and the
good one, in the same snippet, must compile cleanly under strict flags (so
a broken include path or a typo cannot make every negative case pass).

usage: check.py -I DIR [-I DIR ...] -- CC [CC ARGS...]     (prints TAP)
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

STRICT = ['-std=gnu17', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Werror=unused-result']

# A client of atom: BODY is one statement storing into r.
CLIENT = '''\
#include <cusekit/client.h>
#include <atom/atom-abi.h>

int probe(int fd);
int probe(int fd)
{
        struct atom_state s = { 0 };
        struct atom_flip flip = { 0 };
        int i = 0;
        int r = 0;
        (void)s; (void)flip; (void)i;
        BODY
        return r;
}
'''

# A device family's definition list: BODY is its rows.
DEFINITION = '''\
#include <cusekit/ioctl.h>

#define T_BIG 16383
struct t_arg { unsigned a; };
struct t_big { char b[T_BIG]; };   /* _IOC_SIZEMASK */
#define T_IOCTLS(IOC, RAW) \\
        BODY
CK_DECLARE_IOCTLS(T_IOCTLS)
'''

# Rows whose size or nr the caller chooses (evdev's, checked against the
# kernel's macros, and one of structs): BODY stores into r.
SIZED = '''\
#include <cusekit/client.h>
#include <linux/input.h>

struct t_pair { unsigned a, b; };
#define T_KERNEL_IOCTLS(IOC, RAW) \\
        IOC(EVIOCGVERSION, IOR, 'E', 0x01, OUT, int, FLAT, HONEST) \\
        IOC(EVIOCGNAME, IOR_N(_IOC_SIZEMASK), 'E', 0x06, OUT, char, FLAT, HONEST) \\
        IOC(EVIOCGBIT, IOR_AT_N(0x3f, 96), 'E', 0x20, OUT, unsigned char, FLAT, HONEST) \\
        IOC(EVIOCGABS, IOR_AT(0x7f), 'E', 0x40, OUT, struct input_absinfo, FLAT, HONEST)
#define T_IOCTLS(IOC, RAW) T_KERNEL_IOCTLS(IOC, RAW) \\
        IOC(T_PUT, IOW_N(8), 'E', 0xa0, IN, struct t_pair, NESTED, HONEST) \\
        IOC(T_SWAP, IOWR_N(8), 'E', 0xa1, INOUT, struct t_pair, FLAT, HONEST)
CK_DECLARE_IOCTLS(T_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(T_KERNEL_IOCTLS)

int probe(int fd);
int probe(int fd)
{
        char name[16] = { 0 };
        unsigned char bits[96] = { 0 };
        struct input_absinfo abs = { 0 };
        struct t_pair pairs[2] = { { 0, 0 } };
        int v = 0;
        unsigned n = 2;
        int r = 0;
        (void)name; (void)bits; (void)abs; (void)pairs; (void)v; (void)n;
        BODY
        return r;
}
'''

# A client of the spi family (spidev's own rows): BODY stores into r.
SPI = '''\
#include <cusekit/client.h>
#include <spi/spi-abi.h>

int probe(int fd);
int probe(int fd)
{
        unsigned char tx[4] = { 0 }, rx[4] = { 0 };
        struct spi_ioc_transfer xfers[2] = { { .tx_buf = (unsigned long)tx, .rx_buf = (unsigned long)rx, .len = 4 } };
        __u8 mode = 0;
        int r = 0;
        (void)xfers; (void)mode;
        BODY
        return r;
}
'''

# A definition list checked against the kernel's macros: BODY is one row.
KERNEL = '''\
#include <cusekit/ioctl.h>
#include <linux/input.h>

#define T_IOCTLS(IOC, RAW) \\
        BODY
CK_DECLARE_IOCTLS(T_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(T_IOCTLS)
'''

# (name, template, bad line, good line, diagnostic the bad line must give)
NEGATIVE = [
    # wrong direction (the true flow decides, not the encoding)
    ('read of a write ioctl', CLIENT, 'r = cusekit_read(fd, ATOM_SET, &s);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'wrong direction'),
    ('write of a read ioctl', CLIENT, 'r = cusekit_write(fd, ATOM_GET, &s);',
     'r = cusekit_write(fd, ATOM_SET, &s);', 'wrong direction'),
    ('call of a read ioctl', CLIENT, 'r = cusekit_call(fd, ATOM_GET);',
     'r = cusekit_call(fd, ATOM_RESET);', 'wrong direction'),
    ('call of a value ioctl', CLIENT, 'r = cusekit_call(fd, ATOM_POKE);',
     'r = cusekit_write_value(fd, ATOM_POKE, 1);', 'wrong direction'),
    ('write_value of a write ioctl', CLIENT, 'r = cusekit_write_value(fd, ATOM_SET, 1);',
     'r = cusekit_write_value(fd, ATOM_POKE, 1);', 'wrong direction'),
    ('write_read of a write ioctl', CLIENT, 'r = cusekit_write_read(fd, ATOM_SET, &s);',
     'r = cusekit_write_read(fd, ATOM_FLIP, &flip);', 'wrong direction'),
    ('read of a read-encoded ioctl that LIES (it flows in)', CLIENT,
     'r = cusekit_read(fd, ATOM_LOAD, &s);', 'r = cusekit_write(fd, ATOM_LOAD, &s);', 'wrong direction'),
    ('read of a nested write-read ioctl', CLIENT, 'r = cusekit_read(fd, ATOM_BLOB_GET, &s);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'wrong direction'),
    # wrong argument type
    ('read into another struct', CLIENT, 'r = cusekit_read(fd, ATOM_GET, &flip);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'wrong argument type'),
    ('read into an int', CLIENT, 'r = cusekit_read(fd, ATOM_GET, &i);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'wrong argument type'),
    ('read into a void pointer', CLIENT, 'r = cusekit_read(fd, ATOM_GET, (void *)&s);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'wrong argument type'),
    ('write from another struct', CLIENT, 'r = cusekit_write(fd, ATOM_SET, &flip);',
     'r = cusekit_write(fd, ATOM_SET, &s);', 'wrong argument type'),
    ('write_read with another struct', CLIENT, 'r = cusekit_write_read(fd, ATOM_FLIP, &s);',
     'r = cusekit_write_read(fd, ATOM_FLIP, &flip);', 'wrong argument type'),
    ('write_value with a pointer', CLIENT, 'r = cusekit_write_value(fd, ATOM_POKE, &i);',
     'r = cusekit_write_value(fd, ATOM_POKE, i);', 'pass an integer by value'),
    ('write_value with a double', CLIENT, 'r = cusekit_write_value(fd, ATOM_POKE, 1.0);',
     'r = cusekit_write_value(fd, ATOM_POKE, 1u);', 'pass an integer by value'),
    # data flows out into the argument: it must be writable
    ('read into a const pointer', CLIENT,
     'r = cusekit_read(fd, ATOM_GET, (const struct atom_state *)&s);',
     'r = cusekit_write(fd, ATOM_SET, (const struct atom_state *)&s);', 'must not be const'),
    ('write_read with a const pointer', CLIENT,
     'r = cusekit_write_read(fd, ATOM_FLIP, (const struct atom_flip *)&flip);',
     'r = cusekit_write_read(fd, ATOM_FLIP, &flip);', 'must not be const'),
    # every verb's result must be used
    ('ignored result of read', CLIENT, 'cusekit_read(fd, ATOM_GET, &s);',
     'r = cusekit_read(fd, ATOM_GET, &s);', 'ignoring return value'),
    ('ignored result of write', CLIENT, 'cusekit_write(fd, ATOM_SET, &s);',
     'r = cusekit_write(fd, ATOM_SET, &s);', 'ignoring return value'),
    ('ignored result of write_read', CLIENT, 'cusekit_write_read(fd, ATOM_FLIP, &flip);',
     'r = cusekit_write_read(fd, ATOM_FLIP, &flip);', 'ignoring return value'),
    ('ignored result of write_value', CLIENT, 'cusekit_write_value(fd, ATOM_POKE, 1);',
     'r = cusekit_write_value(fd, ATOM_POKE, 1);', 'ignoring return value'),
    ('ignored result of call', CLIENT, 'cusekit_call(fd, ATOM_RESET);',
     'r = cusekit_call(fd, ATOM_RESET);', 'ignoring return value'),
    # definition side
    ('_IOR row flowing IN without LIES', DEFINITION,
     'IOC(T_X, IOR, 0x42, 1, IN, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOR, 0x42, 1, IN, struct t_arg, FLAT, LIES("like KVM"))', 'contradicts its true flow'),
    ('_IO row flowing OUT without LIES', DEFINITION,
     'IOC(T_X, IO, 0x42, 1, OUT, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IO, 0x42, 1, NONE, void, FLAT, HONEST)', 'contradicts its true flow'),
    ('_IOWR row flowing IN without LIES', DEFINITION,
     'IOC(T_X, IOWR, 0x42, 1, IN, struct t_arg, NESTED, HONEST)',
     'IOC(T_X, IOWR, 0x42, 1, INOUT, struct t_arg, NESTED, HONEST)', 'contradicts its true flow'),
    ('LIES on an honest row', DEFINITION,
     'IOC(T_X, IOW, 0x42, 1, IN, struct t_arg, FLAT, LIES("no"))',
     'IOC(T_X, IOW, 0x42, 1, IN, struct t_arg, FLAT, HONEST)', 'declared LIES but'),
    ('LIES on a raw number', DEFINITION,
     'RAW(T_X, 0x4201, IN, struct t_arg, FLAT, LIES("no"))',
     'RAW(T_X, 0x4201, IN, struct t_arg, FLAT, HONEST)', 'cannot lie'),
    ('group above 0xff', DEFINITION,
     'IOC(T_X, IOW, 0x100, 1, IN, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOW, 0xff, 1, IN, struct t_arg, FLAT, HONEST)', 'must each fit in 8 bits'),
    ('nr above 0xff', DEFINITION,
     'IOC(T_X, IOW, 0x42, 0x100, IN, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOW, 0x42, 0xff, IN, struct t_arg, FLAT, HONEST)', 'must each fit in 8 bits'),
    ('raw number above 16 bits', DEFINITION,
     'RAW(T_X, 0x10000, VALUE, unsigned, FLAT, HONEST)',
     'RAW(T_X, 0xffff, VALUE, unsigned, FLAT, HONEST)', 'has 16 bits'),
    ('argument larger than _IOC_SIZE', DEFINITION.replace('T_BIG 16383', 'T_BIG 16384'),
     'IOC(T_X, IOR, 0x42, 1, OUT, struct t_big, FLAT, HONEST)',
     'IOC(T_X, IOR, 0x42, 1, OUT, struct t_arg, FLAT, HONEST)', 'too large for _IOC_SIZE'),
    # rows whose size or nr is the caller's
    ('write_n with the wrong element type', SIZED, 'r = cusekit_write_n(fd, T_PUT, bits, 2);',
     'r = cusekit_write_n(fd, T_PUT, pairs, 2);', 'wrong argument type'),
    ('read_n into the wrong element type', SIZED, 'r = cusekit_read_n(fd, EVIOCGNAME, pairs, 2);',
     'r = cusekit_read_n(fd, EVIOCGNAME, name, sizeof(name));', 'wrong argument type'),
    ('write_read_n with a const pointer', SIZED,
     'r = cusekit_write_read_n(fd, T_SWAP, (const struct t_pair *)pairs, 2);',
     'r = cusekit_write_read_n(fd, T_SWAP, pairs, 2);', 'must not be const'),
    ('read_n of a write row', SIZED, 'r = cusekit_read_n(fd, T_PUT, pairs, 2);',
     'r = cusekit_write_n(fd, T_PUT, pairs, 2);', 'wrong direction'),
    ('fixed write of a row whose size is the caller\'s', SIZED, 'r = cusekit_write(fd, T_PUT, pairs);',
     'r = cusekit_write_n(fd, T_PUT, pairs, 1);', 'its size or nr is the caller'),
    ('fixed read of a row whose nr is the caller\'s', SIZED, 'r = cusekit_read(fd, EVIOCGABS, &abs);',
     'r = cusekit_read_at(fd, EVIOCGABS, ABS_X, &abs);', 'its size or nr is the caller'),
    ('a count for a fixed row', SIZED, 'r = cusekit_read_n(fd, EVIOCGVERSION, &v, 1);',
     'r = cusekit_read(fd, EVIOCGVERSION, &v);', 'no count to give'),
    ('a count for a row whose size is fixed and nr the caller\'s', SIZED,
     'r = cusekit_read_at_n(fd, EVIOCGABS, 0, &abs, 1);',
     'r = cusekit_read_at(fd, EVIOCGABS, 0, &abs);', 'no count to give'),
    ('no index for a row whose nr is the caller\'s', SIZED, 'r = cusekit_read_n(fd, EVIOCGBIT, bits, 8);',
     'r = cusekit_read_at_n(fd, EVIOCGBIT, EV_KEY, bits, 8);', 'give the index'),
    ('no count for a row whose size is the caller\'s', SIZED, 'r = cusekit_read_at(fd, EVIOCGBIT, EV_KEY, bits);',
     'r = cusekit_read_at_n(fd, EVIOCGBIT, EV_KEY, bits, 8);', 'give the count'),
    ('an index for a row whose nr is fixed', SIZED, 'r = cusekit_read_at_n(fd, EVIOCGNAME, 1, name, 4);',
     'r = cusekit_read_n(fd, EVIOCGNAME, name, 4);', 'no index to give'),
    ('ignored result of write_n', SIZED, 'cusekit_write_n(fd, T_PUT, pairs, n);',
     'r = cusekit_write_n(fd, T_PUT, pairs, n);', 'ignoring return value'),
    ('SPI_IOC_MESSAGE with bytes for transfers', SPI, 'r = cusekit_write_n(fd, SPI_IOC_MESSAGE, tx, 1);',
     'r = cusekit_write_n(fd, SPI_IOC_MESSAGE, xfers, 1);', 'wrong argument type'),
    ('SPI_IOC_MESSAGE through the fixed-size write', SPI, 'r = cusekit_write(fd, SPI_IOC_MESSAGE, xfers);',
     'r = cusekit_write_n(fd, SPI_IOC_MESSAGE, xfers, 2);', 'its size or nr is the caller'),
    ('SPI_IOC_WR_MODE with a count', SPI, 'r = cusekit_write_n(fd, SPI_IOC_WR_MODE, &mode, 1);',
     'r = cusekit_write(fd, SPI_IOC_WR_MODE, &mode);', 'no count to give'),
    ('K elements beyond _IOC_SIZE', DEFINITION,
     'IOC(T_X, IOW_N(4096), 0x42, 1, IN, struct t_arg, NESTED, HONEST)',
     'IOC(T_X, IOW_N(4095), 0x42, 1, IN, struct t_arg, NESTED, HONEST)', 'do not fit in _IOC_SIZE'),
    ('an nr range that ends before it starts', DEFINITION,
     'IOC(T_X, IOR_AT(0x1f), 0x42, 0x20, OUT, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOR_AT(0x3f), 0x42, 0x20, OUT, struct t_arg, FLAT, HONEST)', 'the last nr of its range'),
    ('an nr range past 0xff', DEFINITION,
     'IOC(T_X, IOR_AT_N(0x100, 4), 0x42, 0x20, OUT, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOR_AT_N(0xff, 4), 0x42, 0x20, OUT, struct t_arg, FLAT, HONEST)', 'the last nr of its range'),
    ('a caller-sized _IOW row flowing OUT without LIES', DEFINITION,
     'IOC(T_X, IOW_N(4), 0x42, 1, OUT, struct t_arg, FLAT, HONEST)',
     'IOC(T_X, IOR_N(4), 0x42, 1, OUT, struct t_arg, FLAT, HONEST)', 'contradicts its true flow'),
    ('a caller-sized row that is not the kernel\'s number', KERNEL,
     "IOC(EVIOCGNAME, IOR_N(_IOC_SIZEMASK), 'E', 0x07, OUT, char, FLAT, HONEST)",
     "IOC(EVIOCGNAME, IOR_N(_IOC_SIZEMASK), 'E', 0x06, OUT, char, FLAT, HONEST)",
     'not the numbers of the kernel'),
    ('a caller-indexed row that is not the kernel\'s number', KERNEL,
     "IOC(EVIOCGABS, IOR_AT(0x7f), 'E', 0x40, OUT, int, FLAT, HONEST)",
     "IOC(EVIOCGABS, IOR_AT(0x7f), 'E', 0x40, OUT, struct input_absinfo, FLAT, HONEST)",
     'not the numbers of the kernel'),
    ('a caller-indexed and -sized row with the wrong element type', KERNEL,
     "IOC(EVIOCGBIT, IOR_AT_N(0x3f, 48), 'E', 0x20, OUT, unsigned short, FLAT, HONEST)",
     "IOC(EVIOCGBIT, IOR_AT_N(0x3f, 96), 'E', 0x20, OUT, unsigned char, FLAT, HONEST)",
     'not the numbers of the kernel'),
]

# Every verb and every kind of row, used right: must compile with no warning.
POSITIVE = [
    ('every verb used correctly compiles cleanly', CLIENT, '''
        r = cusekit_read(fd, ATOM_GET, &s);
        r = cusekit_write(fd, ATOM_SET, &s);
        r = cusekit_write(fd, ATOM_SET, (const struct atom_state *)&s);
        r = cusekit_write(fd, ATOM_LOAD, &s);   /* encoded _IOR, flows in */
        r = cusekit_write_read(fd, ATOM_FLIP, &flip);
        r = cusekit_write_value(fd, ATOM_POKE, 1);
        r = cusekit_write_value(fd, ATOM_POKE, (unsigned char)i);
        r = cusekit_call(fd, ATOM_RESET);
        if (cusekit_read(fd, ATOM_GET, &s) < 0)
                return -1;'''),
    ('every kind of definition row compiles cleanly', DEFINITION, '''\\
        IOC(T_NONE,  IO,   0x42, 1, NONE,  void,          FLAT,   HONEST) \\
        IOC(T_INT,   IO,   0x42, 2, VALUE, unsigned long, FLAT,   HONEST) \\
        IOC(T_OUT,   IOR,  0x42, 3, OUT,   struct t_arg,  FLAT,   HONEST) \\
        IOC(T_IN,    IOW,  0x42, 4, IN,    struct t_arg,  NESTED, HONEST) \\
        IOC(T_INOUT, IOWR, 0x42, 5, INOUT, struct t_arg,  FLAT,   HONEST) \\
        IOC(T_LIE,   IOW,  0x42, 6, OUT,   struct t_arg,  FLAT,   LIES("why")) \\
        IOC(T_MAX,   IOR,  0xff, 0xff, OUT, struct t_big, FLAT,   HONEST) \\
        RAW(T_RAW,   0x4207,       INOUT, struct t_arg,  NESTED, HONEST)'''),
    ('every verb of rows whose size or nr is the caller\'s compiles cleanly', SIZED, '''
        r = cusekit_read_n(fd, EVIOCGNAME, name, sizeof(name));
        r = cusekit_read_at(fd, EVIOCGABS, ABS_Y, &abs);
        r = cusekit_read_at_n(fd, EVIOCGBIT, EV_KEY, bits, sizeof(bits));
        r = cusekit_write_n(fd, T_PUT, pairs, n);
        r = cusekit_write_n(fd, T_PUT, (const struct t_pair *)pairs, 2);
        r = cusekit_write_read_n(fd, T_SWAP, pairs, 2);
        r = cusekit_read(fd, EVIOCGVERSION, &v);
        r = (int)(CK_REQUEST_AT_N(EVIOCGBIT, EV_KEY, 8) == EVIOCGBIT(EV_KEY, 8));'''),
]


def compile_snippet(cc, includes, text, flags):
    """Returns (ok, diagnostics)."""
    with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
        f.write(text)
    try:
        # -c, not -fsyntax-only: GCC checks warn_unused_result after parsing.
        p = subprocess.run(cc + flags + ['-I' + d for d in includes] + ['-c', '-o', os.devnull, f.name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=dict(os.environ, LC_ALL='C'))
        return p.returncode == 0, p.stdout
    finally:
        os.unlink(f.name)


def run_negative(cc, includes, case):
    name, template, bad, good, expect = case
    problems = []
    ok, out = compile_snippet(cc, includes, template.replace('BODY', bad), ['-std=gnu17', '-Werror=unused-result'])
    if ok:
        problems.append('bad line compiled: ' + bad)
    elif not re.search(re.escape(expect), out):
        problems.append('bad line failed without "%s":\n%s' % (expect, out))
    ok, out = compile_snippet(cc, includes, template.replace('BODY', good), STRICT)
    if not ok:
        problems.append('good line did not compile cleanly: %s\n%s' % (good, out))
    return problems


def run_positive(cc, includes, case):
    name, template, body = case
    ok, out = compile_snippet(cc, includes, template.replace('BODY', body), STRICT)
    return [] if ok else ['did not compile cleanly:\n' + out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-I', dest='includes', action='append', default=[])
    ap.add_argument('cc', nargs='+')
    args = ap.parse_args()

    jobs = [(c[0], run_positive, c) for c in POSITIVE] + [(c[0], run_negative, c) for c in NEGATIVE]
    print('1..%d' % len(jobs))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = [pool.submit(fn, args.cc, args.includes, case) for _, fn, case in jobs]
        for n, ((name, _, _), fut) in enumerate(zip(jobs, futures), 1):
            problems = fut.result()
            print('%s %d - %s' % ('not ok' if problems else 'ok', n, name))
            for line in '\n'.join(problems).splitlines():
                print('# ' + line)
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
