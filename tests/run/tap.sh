# TAP helpers for run-tools.sh and tools-inner.sh (sourced).  Test numbers
# are left out, the plan comes last: $TAP_COUNTER counts across processes.
tap_line() { # ok|not ok, description, details...
	local verdict=$1 what=$2
	shift 2
	printf '%s - %s\n' "$verdict" "$what"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	echo "$verdict" >>"$TAP_COUNTER"
}
pass() { tap_line ok "$@"; }
fail() { tap_line "not ok" "$@"; }
skip() { # description, reason: a skip is a failure under CI=true
	if [ "${CI:-}" = true ]; then
		fail "$1" "CI=true: cannot skip: $2"
	else
		printf 'ok - %s # SKIP %s\n' "$1" "$2"
		echo skip >>"$TAP_COUNTER"
	fi
}
# check DESCRIPTION PATTERN COMMAND...: passes when COMMAND exits 0 and its
# output (stdout and stderr) matches the extended regex PATTERN.
check() {
	local what=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -Eq -- "$pattern" <<<"$out"; then
		pass "$what"
	else
		fail "$what" "command: $*" "exit $rc" "$out"
	fi
}
# check_fails DESCRIPTION PATTERN COMMAND...: COMMAND must fail, saying PATTERN.
check_fails() {
	local what=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && grep -Eq -- "$pattern" <<<"$out"; then
		pass "$what"
	else
		fail "$what" "command: $*" "exit $rc" "$out"
	fi
}
