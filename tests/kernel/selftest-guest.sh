#!/bin/sh
# Guest-side smoke test for the cusekit VM harness; prints TAP.
# Runs inside the VM (chroot of the host root), started by selftest.sh.
n=0 failed=0
ok() { # DESCRIPTION COMMAND...
	n=$((n + 1)) d=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
echo "1..8"
ok "/dev/cuse exists and is a char device" test -c /dev/cuse
ok "/dev/fuse exists and is a char device" test -c /dev/fuse
ok "cuse module is loaded" grep -q '^cuse ' /proc/modules
ok "running as uid 0" test "$(id -u)" = 0
ok "/tmp is writable" sh -c 'f=$(mktemp) && echo hi >"$f" && test "$(cat "$f")" = hi && rm "$f"'
ok "host program runs (dynamically linked: $(command -v ls))" ls /usr/lib
if command -v hwclock >/dev/null; then
	ok "Debian hwclock runs" hwclock --version
elif command -v i2cdetect >/dev/null; then
	ok "Debian i2cdetect runs" i2cdetect -V
else
	ok "Debian program runs (no hwclock/i2cdetect installed: using dd)" dd --version
fi
ok "guest kernel is not the host kernel ($(uname -r))" test "$(uname -r)" != "${HOST_KERNEL:-}"
exit $((failed > 0))
