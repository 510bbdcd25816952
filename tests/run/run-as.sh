#!/bin/bash
# run-as.sh self|nobody PROGRAM [ARGS...] - run one test of the `run` suite,
# as the invoking user or as nobody:nogroup (no groups, no capabilities).
#
# From meson: CUSEKIT (the CLI), TEST_RUN_ATOM, TEST_RUN_COMPAT32 (may be
# empty), RUN_TESTS_DIR (this directory).  PROGRAM is one of those or a
# script here.  For nobody the binaries and scripts are first copied into a
# fresh directory only nobody's world bits need to read (the build tree may
# sit below a directory nobody cannot enter), keeping the build tree's
# relative layout, so that $ORIGIN run paths still find libcusekit-client.
#
# With CI=true a test that cannot run as asked fails; it never skips.
set -u
who=$1
shift

say() { printf '# %s\n' "$*"; }
bail() { printf 'Bail out! %s\n' "$*"; exit 1; }

# Debian's own tools, not what a developer's PATH prefers (pyenv's python3...)
sys_path=/usr/sbin:/usr/bin:/sbin:/bin
build_root=$(cd "$(dirname "$CUSEKIT")/../.." && pwd)

if [ "$who" = nobody ] && [ "$(id -u)" != 0 ]; then
	[ "${CI:-}" = true ] && bail "CI=true: the nobody run needs root to switch users (uid $(id -u))"
	say "not root: running as uid $(id -u), already unprivileged"
	who=self
fi

if [ "$who" = self ]; then
	export PATH="$(dirname "$CUSEKIT"):$sys_path"
	exec "$@"
fi

command -v setpriv >/dev/null || bail "setpriv (util-linux) is missing"
id nobody >/dev/null 2>&1 || bail "no user nobody"
stage=$(mktemp -d /tmp/cusekit-run-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

# a build-tree path -> the same path under the stage
staged() {
	case $1 in
	"$build_root"/*) printf '%s\n' "$stage/build/${1#"$build_root"/}" ;;
	"$RUN_TESTS_DIR"/*) printf '%s\n' "$stage/src/${1#"$RUN_TESTS_DIR"/}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}
copy() {
	local to
	to=$(staged "$1")
	mkdir -p "$(dirname "$to")" && cp -a "$1" "$to" || bail "cannot stage $1"
}
copy "$CUSEKIT"
copy "$TEST_RUN_ATOM"
[ -n "${TEST_RUN_COMPAT32:-}" ] && copy "$TEST_RUN_COMPAT32"
for lib in "$build_root"/src/libcusekit-client.so*; do copy "$lib"; done
for f in "$RUN_TESTS_DIR"/*.sh; do copy "$f"; done
chmod -R a+rX "$stage"

args=()
for a in "$@"; do args+=("$(staged "$a")"); done
cli=$(staged "$CUSEKIT")
say "as nobody:nogroup, from $stage"
# Not exec: the trap removes the stage afterwards.
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	env -u XDG_RUNTIME_DIR HOME=/nonexistent PATH="$(dirname "$cli"):$sys_path" \
	CUSEKIT="$cli" TEST_RUN_ATOM="$(staged "$TEST_RUN_ATOM")" \
	TEST_RUN_COMPAT32="$( [ -n "${TEST_RUN_COMPAT32:-}" ] && staged "$TEST_RUN_COMPAT32")" \
	RUN_TESTS_DIR="$stage/src" \
	"${args[@]}"
