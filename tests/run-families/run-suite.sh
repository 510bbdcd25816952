#!/bin/bash
# meson's `run` suite: the spi and tty families' named clients under
# `cusekit run` on the host (seccomp user notification: no root, no CUSE).
# Prints TAP.  Usage: run-suite.sh BUILD_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run-suite.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# one cusekit run per family; its lines renumbered into ours
part() { # NAME DEVICE...
	local name=$1 line; shift
	local args=()
	for d in "$@"; do args+=(--device "$d"); done
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); echo "ok $n - ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - ${line#not ok - }" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done < <(TMPDIR=$tmp "$build/src/bin/cusekit" run --control-socket "$tmp/$name.sock" "${args[@]}" \
			-- /bin/bash "$here/clients.sh" "$name" "$build" "$tmp/$name.sock" 2>&1
		 echo "# cusekit run exit status $?")
}

part spi spi:spidev0.0,chip=loopback spi:spidev0.1,chip=mcp3008 spi:spidev0.2,chip=25xx:twc=2000
part tty tty:ttyCK0,peer=ttyCK1 tty:ttyCK1 tty:ttyCK2,loopback=1 tty:ttyCK3 "tty:ttyCK4,far=unix:$tmp/ttyCK4.sock" tty:ttyCK5,peer=ttyCK6 tty:ttyCK6
if [ $n -lt 22 ]; then
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - every client ran (only $((n - 1)) results)"
fi
echo "1..$n"
exit $((failed > 0))
