#!/bin/bash
# Real, unmodified clients of every family under `cusekit run` (the bulk is
# tools-inner.sh, inside one run), and the command's own contract: exit
# statuses, control from outside, its private directory, nesting.
# TAP; run through run-as.sh (CUSEKIT, RUN_TESTS_DIR, PATH set there).
set -u
. "$RUN_TESTS_DIR/tap.sh"
tmp=$(mktemp -d)
export TAP_COUNTER=$tmp/count
: >"$TAP_COUNTER"
trap 'rm -rf "$tmp"' EXIT
export BUSYBOX_STATIC=${BUSYBOX_STATIC:-/var/cache/cusekit-run/busybox-static/bin/busybox}
say() { printf '# %s\n' "$*"; }
say "uid $(id -u), cusekit $CUSEKIT"

check "cusekit run --help says what it needs" 'Linux 5\.9' "$CUSEKIT" run --help

"$CUSEKIT" run \
	--device rtc:rtc7 --device watchdog:watchdog7 \
	--device i2c:i2c-7,chip=24c02@0x50,chip=lm75@0x48:temp=42500 \
	--device fifo:fifo0 --device fifo:full \
	-- bash "$RUN_TESTS_DIR/tools-inner.sh" 2>"$tmp/run.err"
rc=$?
[ $rc -eq 0 ] && pass "the tools run ends with its program's status 0" ||
	fail "the tools run ends with its program's status 0" "exit $rc" "$(cat "$tmp/run.err")"
check "the host's /dev/full was never touched" '^character special file 1:7$' stat -c '%F %t:%T' /dev/full

run1() { "$CUSEKIT" run --device atom:atom0 -- "$@"; }
run1 sh -c 'exit 3'; rc=$?
[ $rc -eq 3 ] && pass "exit status of PROGRAM (3)" || fail "exit status of PROGRAM (3)" "exit $rc"
run1 sh -c 'kill -TERM $$'; rc=$?
[ $rc -eq 143 ] && pass "PROGRAM killed by SIGTERM: 128+15" || fail "PROGRAM killed by SIGTERM: 128+15" "exit $rc"
check_fails "a PROGRAM that does not exist: 127, said clearly" 'No such file or directory' run1 /nonexistent/program
check_fails "a command not on PATH: 127, said clearly" 'command not found' run1 no-such-command-here
rc=$(run1 /nonexistent/program >/dev/null 2>&1; echo $?)
[ "$rc" = 127 ] && pass "... with status 127" || fail "... with status 127" "exit $rc"
printf '#!/bin/sh\necho no\n' >"$tmp/not-executable"
chmod 0644 "$tmp/not-executable"
out=$(run1 "$tmp/not-executable" 2>&1); rc=$?
[ $rc -eq 126 ] && grep -q "Permission denied" <<<"$out" &&
	pass "a PROGRAM that cannot be executed: 126, Permission denied (as env(1))" ||
	fail "a PROGRAM that cannot be executed: 126, Permission denied (as env(1))" "exit $rc" "$out"
out=$(run1 sh -c '"$0" run --device atom:atom1 -- true' "$CUSEKIT" 2>&1); rc=$?
[ $rc -eq 125 ] && grep -q "do not nest" <<<"$out" &&
	pass "a run inside a run is refused, saying why (125)" ||
	fail "a run inside a run is refused, saying why (125)" "exit $rc" "$out"

# cusekitd's config file and persistent state, as under cusekitd
printf '[cusekitd]\nmajor=120\nrunas=nobody\n\n[device atom5]\ntype=atom\nvalue=1\n' >"$tmp/conf"
check "--config FILE: cusekitd's format, its own keys accepted" '^1$' \
	"$CUSEKIT" run --config "$tmp/conf" -- dd if=/dev/atom5 bs=8 count=1 status=none
mkdir "$tmp/state"
"$CUSEKIT" run --state-dir "$tmp/state" --device atom:atom0 -- cusekit set atom0 value true >/dev/null 2>&1
check "--state-dir: persistent state survives into the next run" '^1$' \
	"$CUSEKIT" run --state-dir "$tmp/state" --device atom:atom0 -- dd if=/dev/atom0 bs=8 count=1 status=none

# control from outside, while PROGRAM waits; the socket's directory is private
"$CUSEKIT" run -v --device atom:atom0 -- sh -c '
	echo "$CUSEKIT_CONTROL" >"$0/sock"
	while [ ! -e "$0/go" ]; do sleep 0.05; done
	dd if=/dev/atom0 bs=8 count=1 status=none' "$tmp" >"$tmp/prog.out" 2>"$tmp/v.err" &
runner=$!
for _ in $(seq 100); do [ -s "$tmp/sock" ] && break; sleep 0.05; done
sock=$(cat "$tmp/sock" 2>/dev/null)
set_out=$("$CUSEKIT" --socket "$sock" set atom0 value true 2>&1); set_rc=$?
mode=$(stat -c %a "$(dirname "$sock")" 2>&1)
touch "$tmp/go"
wait $runner; rc=$?
out=$(cat "$tmp/prog.out")
if [ $set_rc -eq 0 ] && [ $rc -eq 0 ] && [ "$out" = 1 ]; then
	pass "cusekit --socket \$CUSEKIT_CONTROL set, from outside the run"
else
	fail "cusekit --socket \$CUSEKIT_CONTROL set, from outside the run" "set: exit $set_rc $set_out" "run: exit $rc, read '$out'"
fi
[ "$mode" = 700 ] && pass "the run's private directory is 0700" || fail "the run's private directory is 0700" "$mode"
grep -q "control socket $sock" "$tmp/v.err" && pass "--verbose says where the control socket is" ||
	fail "--verbose says where the control socket is" "$(cat "$tmp/v.err")"
[ -n "$sock" ] && ! [ -e "$sock" ] && ! [ -e "$(dirname "$sock")" ] &&
	pass "the run's private directory is gone after it" || fail "the run's private directory is gone after it" "$sock"

printf '1..%s\n' "$(wc -l <"$TAP_COUNTER")"
! grep -q '^not ok' "$TAP_COUNTER"
