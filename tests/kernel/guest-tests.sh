#!/bin/bash
# The kernel suite, inside the test VM (a chroot of the host's root):
# real CUSE, real /dev nodes, the build tree's cusekitd.  Prints one TAP
# stream.  Usage: guest-tests.sh BUILD_DIR
set -u
build=${1:?usage: guest-tests.sh BUILD_DIR}
daemon=$build/src/bin/cusekitd
n=0 failed=0
tmp=$(mktemp -d)

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '# %s\n' "$@"; }
check() { # DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local d=$1 out; shift
	if out=$("$@" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}
# A GTest program's TAP, renumbered into ours.
run_tap() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) line=${line#ok }; line=${line#* }; pass "${line#- }" ;;
		"not ok "*) line=${line#not ok }; line=${line#* }; fail "${line#- }" ;;
		1..*) ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done < <("$@" 2>&1; echo "# exit status $?")
}
wait_gone() { # PID: up to 10 s
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
wait_file() { # PATH: up to 30 s
	for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
# The demo client on NODE: every call answers as it should, with the values
# it should, and the one invalid call (value=2) is the only error, EINVAL.
atom_demo() { # NODE
	local out rc
	out=$("$build/src/bin/cusekit-atom" "$1" 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -q "value=1 flags=0" <<<"$out" && grep -q "old=1" <<<"$out" &&
	   grep -q 'len=28 "hello from a nested pointer"' <<<"$out" &&
	   [ "$(grep -c -- '-> error' <<<"$out")" -eq 1 ] &&
	   grep -q 'ATOM_SET {value=2} (invalid: EINVAL) *-> error: Invalid argument' <<<"$out"; then
		return 0
	fi
	echo "exit $rc"; echo "$out"; return 1
}

# --- the main daemon: an unrestricted and a restricted atom ---
"$daemon" --background --pidfile "$tmp/main.pid" \
	--device atom:atom0 --device atom-flat:atomflat0 \
	--device atom:sub/atom2,mode=0660,group=disk --device atom:excl0,exclusive=1 2>"$tmp/main.err"
rc=$?
pid=$(cat "$tmp/main.pid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -c /dev/atom0 ] && [ -c /dev/atomflat0 ]; then
	pass "cusekitd --background returns with every node present"
else
	fail "cusekitd --background returns with every node present" "exit $rc" "$(cat "$tmp/main.err")"
fi
check "a name with a slash makes /dev/sub/atom2" test -c /dev/sub/atom2
check "mode= and group= set the node's access" \
	test "$(stat -c '%a %G' /dev/sub/atom2 2>&1)" = "660 disk"
check "nodes share major 120 with distinct minors" \
	test "$(stat -c '%t:%T' /dev/atom0 /dev/atomflat0 | tr '\n' ' ')" = "78:0 78:1 "

run_tap "$build/tests/kernel/test-cuse-atom"

exec 7</dev/excl0
out=$( (: 8</dev/excl0) 2>&1 ); rc=$?
exec 7<&-
if [ $rc -ne 0 ] && grep -q "Device or resource busy" <<<"$out" && (exec 8</dev/excl0); then
	pass "an exclusive device refuses a second open with EBUSY, and opens again after close"
else
	fail "an exclusive device refuses a second open with EBUSY, and opens again after close" "$out"
fi

# --- readiness through NOTIFY_SOCKET: READY=1 arrives once the node exists ---
python3 "$(dirname "$0")/notify-check.py" "$daemon" "$tmp" >"$tmp/notify.out" 2>&1; rc=$?
if [ $rc -eq 0 ]; then pass "READY=1 reaches NOTIFY_SOCKET once the node exists"
else fail "READY=1 reaches NOTIFY_SOCKET once the node exists" "$(cat "$tmp/notify.out")"; fi

check "the demo client runs every ioctl, with the right values and one EINVAL" atom_demo /dev/atom0

# --- the control interface, observed through a real node ---
cli=$build/src/bin/cusekit
check "cusekit list shows the devices and their ioctl modes" \
	sh -c "'$cli' list | grep -q 'atom0 .*atom .*/dev/atom0 .*unrestricted' &&
	       '$cli' list | grep -q 'atomflat0 .*atom-flat .*restricted'"
out=$("$cli" fault add atom0 ioctl:ATOM_GET --errno EIO --count 1 2>&1 &&
      "$build/src/bin/cusekit-atom" /dev/atom0 2>&1; "$build/src/bin/cusekit-atom" /dev/atom0 2>&1)
if grep -q "ATOM_GET .*-> error: Input/output error" <<<"$out" &&
   [ "$(grep -c 'ATOM_GET .*-> 0' <<<"$out")" -eq 1 ]; then
	pass "an injected EIO reaches a real client, once"
else
	fail "an injected EIO reaches a real client, once" "$out"
fi
"$cli" fault add atom0 read --delay 400 --count 1 >/dev/null
"$cli" set atom0 value 1
start=$(date +%s%N)
val=$(dd if=/dev/atom0 bs=16 count=1 status=none 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$val" = 1 ] && [ "$ms" -ge 400 ]; then
	pass "cusekit set changes what the node reads, and an injected delay holds the read (${ms} ms)"
else
	fail "cusekit set changes what the node reads, and an injected delay holds the read" "read '$val' after $ms ms"
fi
out=$("$cli" trace -n 40 2>&1)
if grep -q "pid [0-9]* atom0 ioctl ATOM_BLOB_SET in {.*'len': <uint64 28>" <<<"$out" &&
   grep -q "atom0 ioctl ATOM_GET out -> EIO" <<<"$out" && grep -q "atom0 read out" <<<"$out"; then
	pass "the trace shows real requests with decoded fields and errnos"
else
	fail "the trace shows real requests with decoded fields and errnos" "$out"
fi
out=$(gdbus call --address unix:path=/run/cusekit/control-120.sock --dest org.cusekit.Daemon --object-path /org/cusekit/Daemon \
	--method org.cusekit.Daemon1.GetState atom0 value 2>&1)
if [ "$out" = "(<true>,)" ]; then pass "stock gdbus reaches the control socket ($out)"
else fail "stock gdbus reaches the control socket" "$out"; fi
out=$("$cli" --json trace -n 1 2>&1)
check "cusekit --json trace gives JSON" python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert e[0]["device"]' "$out"

# --- who may reach what: a shared socket, but only the devices whose node one may use ---
"$daemon" --major 117 --background --pidfile "$tmp/perm.pid" --control-mode 0666 \
	--device atom:open0,mode=0666 --device atom:closed0 2>"$tmp/perm.err"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
out=$(as_nobody "$cli" -M 117 list 2>&1; as_nobody "$cli" -M 117 get closed0 2>&1;
      as_nobody "$cli" -M 117 set open0 value 1 2>&1 && dd if=/dev/open0 bs=16 count=1 status=none)
if grep -q "^open0 " <<<"$out" && ! grep -q "^closed0 " <<<"$out" &&
   grep -q "no device 'closed0' (or not permitted)" <<<"$out" && grep -qx 1 <<<"$out"; then
	pass "a caller reaches only the devices whose node it may use"
else
	fail "a caller reaches only the devices whose node it may use" "$out"
fi
check "the default control socket is 0600 for the daemon's user" \
	test "$(stat -c '%a %U' /run/cusekit/control-120.sock)" = "600 root"
out=$(as_nobody "$cli" list 2>&1)
if grep -q "not permitted to use /run/cusekit/control-120.sock" <<<"$out"; then
	pass "a caller without access to the socket is told so"
else
	fail "a caller without access to the socket is told so" "$out"
fi
permpid=$(cat "$tmp/perm.pid"); kill -TERM "$permpid"; wait_gone "$permpid"

# --- persistent state survives SIGKILL ---
mkdir -p "$tmp/state"
"$daemon" --major 119 --background --pidfile "$tmp/p.pid" --state-dir "$tmp/state" --device atom:persist0 \
	2>"$tmp/p.err"
echo 1 >/dev/persist0
sleep 0.5   # a SIGKILL loses at most the last --state-interval (100 ms)
ppid_=$(cat "$tmp/p.pid"); kill -KILL "$ppid_"; wait_gone "$ppid_"
"$daemon" --major 119 --background --pidfile "$tmp/p.pid" --state-dir "$tmp/state" --device atom:persist0 \
	2>>"$tmp/p.err"
out=$("$cli" -M 119 get persist0 value 2>&1; dd if=/dev/persist0 bs=16 count=1 status=none 2>&1)
if grep -q "value = true" <<<"$out" && grep -qx 1 <<<"$out" && [ "$(ls "$tmp/state")" = persist0.state ]; then
	pass "persistent state survives a SIGKILL of the daemon, with no stray files"
else
	fail "persistent state survives a SIGKILL of the daemon, with no stray files" "$out" "$(ls -la "$tmp/state")" "$(cat "$tmp/p.err")"
fi
# a change right before SIGTERM is saved at exit, though the interval has not passed
echo 0 >/dev/persist0
ppid_=$(cat "$tmp/p.pid"); kill -TERM "$ppid_"; wait_gone "$ppid_"
if grep -q "value=false" "$tmp/state/persist0.state"; then
	pass "a change just before SIGTERM is saved at exit"
else
	fail "a change just before SIGTERM is saved at exit" "$(cat "$tmp/state/persist0.state")"
fi

out=$("$daemon" --major 124 --device atom:atom0 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "atom0: the name is taken" <<<"$out"; then
	pass "a taken name is refused clearly"
else
	fail "a taken name is refused clearly" "exit $rc" "$out"
fi
out=$("$daemon" --device atom:other0 --major 120 --first-minor 0 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "char major 120 is already used" <<<"$out"; then
	pass "a taken major is refused clearly"
else
	fail "a taken major is refused clearly" "exit $rc" "$out"
fi
out=$("$daemon" --device atom:other0 --cuse-path /dev/no-cuse-here 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "no CUSE; load it with 'modprobe cuse'" <<<"$out"; then
	pass "a missing CUSE channel is reported clearly"
else
	fail "a missing CUSE channel is reported clearly" "exit $rc" "$out"
fi
out=$("$daemon" --device 'atom:bad name' 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "bad device spec 'atom:bad name'" <<<"$out"; then
	pass "a bad --device spec is named"
else
	fail "a bad --device spec is named" "exit $rc" "$out"
fi

# --- SIGTERM: every node goes, exit 0 (a foreground daemon, so we see its status) ---
"$daemon" --major 121 --pidfile "$tmp/fg.pid" --device atom:term0 --device atom:term1 2>"$tmp/fg.err" &
fg=$!
if wait_file "$tmp/fg.pid" && [ -c /dev/term0 ]; then
	kill -TERM $fg
	wait $fg; rc=$?
	if [ $rc -eq 0 ] && [ ! -e /dev/term0 ] && [ ! -e /dev/term1 ]; then
		pass "SIGTERM removes every node and exits 0"
	else
		fail "SIGTERM removes every node and exits 0" "exit $rc" "$(ls /dev/term* 2>&1)"
	fi
else
	fail "SIGTERM removes every node and exits 0" "daemon did not come up" "$(cat "$tmp/fg.err")"
	kill $fg 2>/dev/null
fi

# --- --runas: handlers run unprivileged ---
"$daemon" --major 122 --background --pidfile "$tmp/run.pid" --runas nobody --mode 0666 \
	--device atom:runas0 2>"$tmp/run.err"
rpid=$(cat "$tmp/run.pid" 2>/dev/null)
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$rpid/status" 2>/dev/null)
if [ "$uids" = "65534 65534 65534 65534" ] && atom_demo /dev/runas0 >/dev/null; then
	pass "--runas nobody: every uid of the serving process is nobody's, and it serves"
else
	fail "--runas nobody: every uid of the serving process is nobody's, and it serves" \
		"uids '$uids'" "$(cat "$tmp/run.err")"
fi
kill -TERM "$rpid" 2>/dev/null; wait_gone "$rpid"

# --- --runas: what the daemon writes stays writable (state dir, EEPROM file=) ---
pub=$(mktemp -d /tmp/cusekit-pub-XXXXXX); chmod 0755 "$pub"   # as /var/lib: others may pass
"$daemon" --major 60 --background --pidfile "$tmp/rs.pid" --runas nobody --state-dir "$pub/state" \
	--log-file "$tmp/rs.log" --device "i2c:i2c-60,chip=24c02@0x50:file=$pub/ee.bin" 2>"$tmp/rs.err"
out=$(i2cset -y 60 0x50 0x10 0x42 2>&1); rc=$?
sleep 0.5
byte=$(od -An -tx1 -j16 -N1 "$pub/ee.bin" 2>&1 | tr -d ' ')
if [ $rc -eq 0 ] && [ "$byte" = 42 ] && grep -q "bytes" "$pub/state/i2c-60.state" 2>/dev/null &&
   ! grep -q "saving" "$tmp/rs.log"; then
	pass "--runas nobody: an EEPROM write succeeds and lands in file= and in --state-dir"
else
	fail "--runas nobody: an EEPROM write succeeds and lands in file= and in --state-dir" "i2cset exit $rc: $out" \
		"file byte '$byte'" "$(ls -la "$pub" "$pub/state" 2>&1)" "$(cat "$tmp/rs.err" "$tmp/rs.log")"
fi
rspid=$(cat "$tmp/rs.pid" 2>/dev/null); kill -TERM "$rspid" 2>/dev/null; wait_gone "$rspid"
mkdir -m 0700 "$pub/rootstate"
out=$(timeout 20 "$daemon" --major 60 --runas nobody --state-dir "$pub/rootstate" --device atom:rs1 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "owned by uid 0, but the devices are served as uid 65534" <<<"$out" && [ ! -e /dev/rs1 ]; then
	pass "--runas: a state directory that user cannot write is refused at start"
else
	fail "--runas: a state directory that user cannot write is refused at start" "exit $rc" "$out"
fi
rm -rf "$pub"

# --- --background: success only when the kernel took every node, and nothing held open ---
"$daemon" --major 61 --background --pidfile "$tmp/twa.pid" --device atom:twin0 2>"$tmp/twa.err"
rm -f /dev/twin0   # the node goes, the kernel's device stays
out=$(timeout 20 "$daemon" --major 62 --background --pidfile "$tmp/twb.pid" --device atom:twin0 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "twin0: the kernel refused the device: a CUSE device named 'twin0' exists already" <<<"$out"; then
	pass "--background fails, naming the device and why, when the kernel refuses a node"
else
	fail "--background fails, naming the device and why, when the kernel refuses a node" "exit $rc" "$out"
	kill -TERM "$(cat "$tmp/twb.pid" 2>/dev/null)" 2>/dev/null
fi
twpid=$(cat "$tmp/twa.pid" 2>/dev/null); kill -TERM "$twpid" 2>/dev/null; wait_gone "$twpid"
out=$(timeout 20 "$daemon" --major 63 --background --pidfile "$tmp/bg.pid" --log-file "$tmp/bg.log" \
	--device atom:bg0); rc=$?
bgpid=$(cat "$tmp/bg.pid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -c /dev/bg0 ] && kill -0 "$bgpid" 2>/dev/null; then
	pass "x=\$(cusekitd --background ...) returns: stdout and stderr are let go"
else
	fail "x=\$(cusekitd --background ...) returns: stdout and stderr are let go" "exit $rc" "$out"
fi
kill -TERM "$bgpid" 2>/dev/null; wait_gone "$bgpid"
check "--log-file gets the daemon's log" grep -q "stopping: removing 1 node" "$tmp/bg.log"

# --- readiness: control socket and signal handlers exist before the first node ---
races=0 terms=0
for i in 1 2 3 4 5; do
	"$daemon" --major 240 --pidfile "$tmp/race.pid" --device atom:race0 --device atom:race1 2>>"$tmp/race.err" &
	rpid=$!
	for _ in $(seq 1000); do [ -e /dev/race0 ] && break; sleep 0.01; done
	"$cli" -M 240 list >/dev/null 2>>"$tmp/race.err" && races=$((races + 1))
	kill -TERM $rpid; wait $rpid; rc=$?
	[ $rc -eq 0 ] && [ ! -e /dev/race0 ] && terms=$((terms + 1))
	"$daemon" --major 240 --pidfile "$tmp/race.pid" --device atom:race0 --device atom:race1 2>>"$tmp/race.err" &
	rpid=$!
	for _ in $(seq 1000); do [ -e /dev/race0 ] && break; sleep 0.01; done
	kill -TERM $rpid; wait $rpid; rc=$?
	[ $rc -eq 0 ] && [ ! -e /dev/race0 ] && [ ! -e /dev/race1 ] && terms=$((terms + 1))
done
if [ $races -eq 5 ] && [ $terms -eq 10 ]; then
	pass "the first node appears only once cusekit list works and SIGTERM is handled (5/5, 10/10)"
else
	fail "the first node appears only once cusekit list works and SIGTERM is handled" \
		"list worked $races/5, clean SIGTERM $terms/10" "$(tail -5 "$tmp/race.err")"
fi

# --- running out of file descriptors is said as such ---
conf=$tmp/fds.conf
{ echo "[cusekitd]"; echo "major=241"
  for i in $(seq 0 39); do printf '[device fds/atom%d]\ntype=atom\n' "$i"; done; } >"$conf"
out=$( (ulimit -n 24; "$daemon" --config "$conf" 2>&1) ); rc=$?
if [ $rc -ne 0 ] && grep -q "out of file descriptors after .* devices .*raise the limit" <<<"$out" &&
   [ "$(ls /dev/fds 2>/dev/null | wc -l)" -eq 0 ]; then
	pass "out of file descriptors is said as such, and every node goes"
else
	fail "out of file descriptors is said as such, and every node goes" "exit $rc" "$out"
fi

# --- one daemon, 1000 devices ---
conf=$tmp/many.conf
{ echo "[cusekitd]"; echo "major=123"
  for i in $(seq 0 999); do printf '[device many/atom%d]\ntype=atom\n' "$i"; done; } >"$conf"
start=$(date +%s.%N)
"$daemon" --background --pidfile "$tmp/many.pid" --config "$conf" 2>"$tmp/many.err"; rc=$?
end=$(date +%s.%N)
count=$(ls /dev/many 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$count" -eq 1000 ]; then
	pass "1000 devices in one daemon (all nodes in $(awk "BEGIN { print $end - $start }") s)"
else
	fail "1000 devices in one daemon" "exit $rc, $count nodes" "$(tail -3 "$tmp/many.err")"
fi
check "the 1000th device answers" atom_demo /dev/many/atom999
mpid=$(cat "$tmp/many.pid" 2>/dev/null)
kill -TERM "$mpid" 2>/dev/null; wait_gone "$mpid"
check "all 1000 nodes are gone after SIGTERM" test "$(ls /dev/many 2>/dev/null | wc -l)" -eq 0

# --- device families: each adds a part (sourced: pass/fail/check/run_tap,
# $daemon, $build and $tmp are theirs to use; each part uses its own major) ---
for part in "$(dirname "$0")"/guest.d/*.sh; do
	[ -e "$part" ] || continue
	echo "# part $(basename "$part")"
	. "$part"
done

# --- the main daemon survived all of the above ---
check "the first daemon still serves" atom_demo /dev/atom0
kill -TERM "$pid" 2>/dev/null; wait_gone "$pid"
check "and its nodes go with it" test ! -e /dev/atom0

rm -rf "$tmp"
echo "1..$n"
exit $((failed > 0))
