#!/bin/sh
# evemu-record/evemu-play round trips (tests/evdev/evemu-roundtrip.py)
# under `cusekit run` on the host, through two mice.  Prints TAP.
# Usage: run-evemu.sh CUSEKIT_CLI
set -u
cli=${1:?usage: run-evemu.sh CUSEKIT_CLI}
dir=$(cd "$(dirname "$0")" && pwd)
exec "$cli" run --device evdev:event7,preset=mouse --device evdev:event8,preset=mouse -- \
	env CK="$cli" /usr/bin/python3 "$dir/evemu-roundtrip.py" event7 event8
