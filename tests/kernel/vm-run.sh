#!/bin/bash
# vm-run.sh [options] -- PROGRAM [ARGS...]
#
# Boot Debian's stock kernel under qemu (TCG) with the host's / mounted
# read-only over virtio-9p, fuse.ko + cuse.ko loaded, and run PROGRAM in a
# chroot of the host root, in the current working directory.  The program's
# stdout+stderr are streamed to our stdout; we exit with its exit status.
#
# Options:
#   --timeout SECONDS   kill the VM after this long (default 240)
#   --cpus N            guest CPUs (default 2)
#   --mem MB            guest memory (default 1024)
#   --env NAME=VALUE    set in the program's environment (repeatable; the
#                       environment is otherwise PATH=<std> HOME=/root only)
#   --share DIR         make host DIR writable in the guest, at the same path
#                       (repeatable; everything else is read-only)
#   --expose DIR        make sure host DIR is visible (read-only) even where
#                       the guest's tmpfs would hide it (/tmp, /run, /var/tmp);
#                       the current directory always is (repeatable)
#   --console-log FILE  save the guest console (kernel log + /init messages)
#   --cache DIR         VM cache dir (default $CUSEKIT_VM_CACHE or
#                       /var/cache/cusekit-vm)
#
# Exit status: the program's, or 125 if the VM could not run it (boot
# failure, timeout, setup error); the reason is on stderr.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_FAIL=125
MARKER=@@CUSEKIT-VM-EXIT@@

die_vm() { printf 'vm-run: VM could not run: %s\n' "$*" >&2; exit $VM_FAIL; }
usage() { sed -n '2,24s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit $VM_FAIL; }

timeout=240 cpus=2 mem=1024 console_log=
cache=${CUSEKIT_VM_CACHE:-/var/cache/cusekit-vm}
envs=() shares=() exposes=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=${2:?}; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--cpus=*) cpus=${1#*=}; shift ;;
	--mem) mem=${2:?}; shift 2 ;;
	--mem=*) mem=${1#*=}; shift ;;
	--env) envs+=("${2:?}"); shift 2 ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--share) shares+=("${2:?}"); shift 2 ;;
	--share=*) shares+=("${1#*=}"); shift ;;
	--expose) exposes+=("${2:?}"); shift 2 ;;
	--expose=*) exposes+=("${1#*=}"); shift ;;
	--console-log) console_log=${2:?}; shift 2 ;;
	--console-log=*) console_log=${1#*=}; shift ;;
	--cache) cache=${2:?}; shift 2 ;;
	--cache=*) cache=${1#*=}; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) printf 'vm-run: unknown option %s\n' "$1" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || usage
case $timeout$cpus$mem in *[!0-9]*) die_vm "--timeout/--cpus/--mem need integers" ;; esac
for e in "${envs[@]+"${envs[@]}"}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die_vm "bad --env '$e' (want NAME=VALUE)"
done

# Kernel + initramfs (fast no-op when already built).  Its chatter goes to
# stderr so that stdout carries only the program's output.
setup_out=$("$here/setup-vm.sh" "$cache" 2>&1) || {
	printf '%s\n' "$setup_out" >&2
	die_vm "setup-vm.sh failed"
}
grep -v '^CUSEKIT_VM_READY\|^setup-vm: up to date' <<<"$setup_out" >&2
cache=$(sed -n 's/^CUSEKIT_VM_READY //p' <<<"$setup_out" | tail -n1)
[ -r "$cache/vmlinuz" ] && [ -r "$cache/initramfs.cpio.gz" ] || die_vm "no kernel/initramfs in $cache"
command -v qemu-system-x86_64 >/dev/null || die_vm "qemu-system-x86_64 not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cusekit-vm.XXXXXX") || die_vm "mktemp failed"
job=$tmp/job
mkdir "$job"
qpid='' wpid='' fpid=''
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'printf "vm-run: interrupted\n" >&2; exit 130' INT TERM HUP

# Single-quote for busybox sh.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

cwd=$(pwd -P)
# The guest mounts tmpfs over these, hiding host content: share what we need.
masked() { case $1 in /tmp | /tmp/* | /run | /run/* | /var/tmp | /var/tmp/*) return 0 ;; esac; return 1; }
case $cwd in /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) die_vm "cannot run in $cwd" ;; esac

qshares=() n=0
{
	printf 'JOB_CWD=%s\n' "$(q "$cwd")"
	for d in "${shares[@]+"${shares[@]}"}"; do
		[ -d "$d" ] || die_vm "--share $d: not a directory"
		d=$(cd "$d" && pwd -P)
		printf 'share share%d %s rw\n' $n "$(q "$d")"
		qshares+=(-fsdev "local,id=share$n,path=$d,security_model=none,multidevs=remap"
			-device "virtio-9p-pci,fsdev=share$n,mount_tag=share$n")
		n=$((n + 1))
	done
	# Read-only views of masked dirs, parents before children so nested ones stack.
	ro=$( { printf '%s\n' "$cwd"; for d in "${exposes[@]+"${exposes[@]}"}"; do
		[ -d "$d" ] || die_vm "--expose $d: not a directory"; (cd "$d" && pwd -P); done; } |
		awk '{ print length($0) "\t" $0 }' | sort -n -u | cut -f2-)
	while IFS= read -r d; do
		[ -n "$d" ] && masked "$d" || continue
		covered=0
		for w in "${shares[@]+"${shares[@]}"}"; do
			w=$(cd "$w" && pwd -P)
			case $d/ in "$w"/*) covered=1 ;; esac
		done
		[ $covered = 0 ] || continue
		printf 'share share%d %s ro\n' $n "$(q "$d")"
		qshares+=(-fsdev "local,id=share$n,path=$d,security_model=none,readonly=on,multidevs=remap"
			-device "virtio-9p-pci,fsdev=share$n,mount_tag=share$n")
		n=$((n + 1))
	done <<<"$ro"
	printf 'set -- %d' ${#envs[@]}
	for a in "${envs[@]+"${envs[@]}"}" "$@"; do printf ' %s' "$(q "$a")"; done
	printf '\n'
} >"$job/job.sh"

# ttyS1 (the program's output) goes to a regular file, read as it grows:
# qemu's UART drops a byte it could not write after a few retries, which a
# FIFO with a slow reader (a loaded machine) made happen.
: >"$tmp/out"
: >"$tmp/console.log"

# Forward the stream, dropping the exit marker (and remembering its code).
filter() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^(.*)$MARKER\ ([0-9]+)$ ]]; then
			printf '%s\n' "${BASH_REMATCH[2]}" >"$tmp/marker-rc"
			[ -n "${BASH_REMATCH[1]}" ] && printf '%s\n' "${BASH_REMATCH[1]}"
		else
			printf '%s\n' "$line"
		fi
	done
}
start=$(date +%s%N)
qemu-system-x86_64 -accel tcg -m "$mem" -smp "$cpus" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
	-append "console=ttyS0 loglevel=5 panic=-1 rdinit=/init" \
	-serial "file:$tmp/console.log" \
	-chardev "file,id=out,path=$tmp/out" -serial chardev:out \
	-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev "local,id=job,path=$job,security_model=none,multidevs=remap" \
	-device virtio-9p-pci,fsdev=job,mount_tag=job \
	"${qshares[@]+"${qshares[@]}"}" \
	</dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!
tail -c +1 -f --pid="$qpid" "$tmp/out" | filter &
fpid=$!
(
	sleep "$timeout" &
	trap 'kill $! 2>/dev/null; exit 0' TERM
	wait
	: >"$tmp/timed-out"
	kill -TERM "$qpid" 2>/dev/null
	sleep 5 &
	wait $!
	kill -KILL "$qpid" 2>/dev/null
) &
wpid=$!

wait "$qpid"
qrc=$?
qpid=
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
wpid=
wait "$fpid"
elapsed=$((($(date +%s%N) - start) / 1000000))
elapsed=$((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000)))

[ -n "$console_log" ] && cp "$tmp/console.log" "$console_log"
console_tail() {
	echo "---- guest console (last 40 lines) ----" >&2
	tr -d '\r' <"$tmp/console.log" | tail -n 40 >&2
	if [ -s "$tmp/qemu.log" ]; then
		echo "---- qemu ----" >&2
		tail -n 20 "$tmp/qemu.log" >&2
	fi
	echo "----" >&2
}
# Kernel trouble (e.g. a CUSE bug) is worth showing even when tests pass.
kproblems() {
	tr -d '\r' <"$tmp/console.log" |
		grep -aE -B2 -A25 'BUG:|Oops|WARNING:|general protection|Kernel panic|Call Trace:' | head -n 100
}
if [ -s "$job/rc" ] && [ -n "$(kproblems)" ]; then
	echo "vm-run: warning: the guest kernel reported problems:" >&2
	kproblems >&2
fi

if [ -e "$tmp/timed-out" ]; then
	console_tail
	die_vm "timeout after ${timeout}s (qemu killed)"
fi
if [ -s "$job/error" ]; then
	console_tail
	die_vm "guest setup failed: $(cat "$job/error")"
fi
rc=
if [ -s "$job/rc" ]; then
	rc=$(tr -dc 0-9 <"$job/rc")
elif [ -s "$tmp/marker-rc" ]; then
	rc=$(cat "$tmp/marker-rc")
fi
if [ -z "$rc" ]; then
	console_tail
	if grep -aq 'Kernel panic' "$tmp/console.log"; then
		die_vm "guest kernel panicked (qemu exit $qrc)"
	fi
	die_vm "no exit status from the guest (qemu exit $qrc, after ${elapsed}s)"
fi
[ -n "${CUSEKIT_VM_VERBOSE:-}" ] && printf 'vm-run: program exit %s, VM time %ss\n' "$rc" "$elapsed" >&2
exit "$rc"
