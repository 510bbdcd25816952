#!/bin/sh
# The evdev family's real clients under `cusekit run` on the host (no root,
# no CUSE, no VM): tests/evdev/evdev-clients.py inside the run, its nodes in
# /dev/input, udev's entries for them in /run/udev/data.  Prints TAP.
# Usage: run-evdev.sh CUSEKIT_CLI
set -u
cli=${1:?usage: run-evdev.sh CUSEKIT_CLI}
dir=$(cd "$(dirname "$0")" && pwd)
exec "$cli" run --device evdev:event7,preset=keyboard --device evdev:event8,preset=mouse \
	--device "evdev:event9,evemu=$dir/clickpad.evemu" --device evdev:event10,preset=touchpad \
	--device evdev:event11,preset=gamepad -- \
	env CK="$cli" /usr/bin/python3 "$dir/evdev-clients.py" event7 event8 event9 "$dir/clickpad.evemu" event10 event11
