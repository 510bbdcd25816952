#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The client library exports only cusekit_* symbols: anything else is a
# leaked helper that would become ABI.  Prints TAP.
# usage: check-symbols.sh NM LIBRARY HEADER
set -u
nm=$1
lib=$2
header=$3

echo "1..3"
if ! syms=$("$nm" -D --defined-only "$lib" 2>&1); then
        echo "not ok 1 - nm -D reads $lib"
        echo "$syms" | sed 's/^/# /'
        echo "not ok 2 - only cusekit_ symbols are exported # SKIP nm failed"
        echo "not ok 3 - every function client.h declares is exported # SKIP nm failed"
        exit 1
fi
echo "ok 1 - nm -D reads $lib"

# Columns: address, type, name (@version suffixes are kept, then dropped).
names=$(echo "$syms" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }')
leaked=$(echo "$names" | grep -v -e '^cusekit_' -e '^$' || true)
if [ -z "$names" ]; then
        echo "not ok 2 - only cusekit_ symbols are exported (none found at all)"
        exit 1
elif [ -n "$leaked" ]; then
        echo "not ok 2 - only cusekit_ symbols are exported"
        echo "$leaked" | sed 's/^/# leaked: /'
        exit 1
fi
echo "ok 2 - only cusekit_ symbols are exported"
echo "$names" | sed 's/^/# /'

# And nothing the header declares (at the start of a line: not the
# macros, not the comments) is missing: a typo, or a lost export.
missing=""
for f in $(sed -n '/^[A-Za-z]/s/.*[ *]\(cusekit_[a-z_]*\)(.*/\1/p' "$header"); do
        echo "$names" | grep -qx "$f" || missing="$missing $f"
done
if [ -n "$missing" ]; then
        echo "not ok 3 - every function client.h declares is exported"
        echo "# missing:$missing"
        exit 1
fi
echo "ok 3 - every function client.h declares is exported"
