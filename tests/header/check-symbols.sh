#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A public library exports exactly the functions its public headers
# declare: anything more is a leaked helper that would become ABI, anything
# less a typo or a lost export.  Prints TAP.
# usage: check-symbols.sh NM LIBRARY HEADER...
set -u
nm=$1
lib=$2
shift 2
what=$(basename "$lib")

echo "1..3"
if ! syms=$("$nm" -D --defined-only "$lib" 2>&1); then
        echo "not ok 1 - nm -D reads $what"
        echo "$syms" | sed 's/^/# /'
        echo "not ok 2 - $what exports only what its headers declare # SKIP nm failed"
        echo "not ok 3 - $what exports every function its headers declare # SKIP nm failed"
        exit 1
fi
echo "ok 1 - nm -D reads $what"

# Columns: address, type, name; version nodes (type A) are not symbols;
# @version suffixes are dropped.
names=$(echo "$syms" | awk 'NF >= 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)
# Declared: functions at the start of a line (not macros, comments or
# typedefs), and extern data.
declared=$( (cat "$@" | sed -n '/^typedef/d; /^extern/d; /^[A-Za-z]/s/.*[ *]\([a-z_][a-z0-9_]*\)(.*/\1/p'
             cat "$@" | sed -n 's/^extern [^(]*[ *]\([a-z_][a-z0-9_]*\);.*/\1/p') | sort -u)
if [ -z "$names" ] || [ -z "$declared" ]; then
        echo "not ok 2 - $what exports only what its headers declare (exported: ${names:-none}; declared: ${declared:-none})"
        exit 1
fi
leaked=$(echo "$names" | grep -vxF "$declared" || true)
if [ -n "$leaked" ]; then
        echo "not ok 2 - $what exports only what its headers declare"
        echo "$leaked" | sed 's/^/# leaked: /'
        exit 1
fi
echo "ok 2 - $what exports only what its headers declare"
echo "$names" | sed 's/^/# /'

missing=$(echo "$declared" | grep -vxF "$names" || true)
if [ -n "$missing" ]; then
        echo "not ok 3 - $what exports every function its headers declare"
        echo "$missing" | sed 's/^/# missing: /'
        exit 1
fi
echo "ok 3 - $what exports every function its headers declare"
