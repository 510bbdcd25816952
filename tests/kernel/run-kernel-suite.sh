#!/bin/bash
# meson's `kernel` suite: boots the test VM once and runs guest-tests.sh in
# it.  Under CI=true a VM that cannot run is a failure, never a skip.
# Usage: run-kernel-suite.sh BUILD_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run-kernel-suite.sh BUILD_DIR}" && pwd)

# the example module built against the installed SDK (.ci/run), if given
envs=()
for var in CUSEKIT_EXAMPLE_MODULE CUSEKIT_EXAMPLE_LIBDIR; do
	[ -n "${!var:-}" ] && envs+=(--env "$var=${!var}")
done
"$here/vm-run.sh" --timeout "${CUSEKIT_VM_TIMEOUT:-1500}" --expose "$here/../.." --expose "$build" "${envs[@]}" \
	-- "$here/guest-tests.sh" "$build" 2>"$build/kernel-suite.err"
rc=$?
if [ $rc -eq 125 ]; then
	reason=$(grep 'VM could not run' "$build/kernel-suite.err" | tail -n1)
	sed 's/^/# /' "$build/kernel-suite.err"
	if [ "${CI:-}" = true ]; then
		echo "Bail out! the test VM could not run: ${reason:-see above}"
		exit 1
	fi
	echo "1..0 # SKIP the test VM could not run: ${reason:-see above}"
	exit 0
fi
sed 's/^/# /' "$build/kernel-suite.err" | tail -n 40
exit $rc
