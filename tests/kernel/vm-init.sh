#!/bin/sh
# /init of the cusekit test VM (busybox sh, runs as PID 1 in the initramfs).
#
# Contract with vm-run.sh:
#   9p tag "hostroot": host /, read-only      -> /host
#   9p tag "job":      per-run temp dir, rw   -> /job
#     /job/job.sh   sourced here; sets JOB_CWD, calls `share TAG PATH MODE`
#                   and ends with `set -- N NAME=VALUE... PROGRAM ARGS...`
#     /job/rc       written here: exit status of the program
#     /job/error    written here instead if the VM setup failed
#   ttyS0: kernel console + messages from this script (diagnostics only)
#   ttyS1: the program's stdout+stderr, then "@@CUSEKIT-VM-EXIT@@ <rc>"
PATH=/bin:/sbin
export PATH
/bin/busybox --install -s /bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

log() { echo "cusekit-init: $*" >/dev/console; }
halt() {
	sync
	poweroff -f
	reboot -f # only reached if ACPI poweroff is unavailable; -no-reboot makes qemu exit
	sleep 5
	exit 1 # panic=-1 + -no-reboot: qemu exits as well
}
fail() {
	log "ERROR: $*"
	[ -d /job/. ] && echo "$*" >/job/error 2>/dev/null
	halt
}

while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/modules/$m.ko" 2>/dev/console || fail "insmod $m failed"
done </lib/modules/load-order

# msize: the default 8k makes 9p painfully slow under TCG.
p9opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$p9opts" job /job || fail "cannot mount 9p share 'job'"
# The host tree does not change while a test runs, so cache it aggressively:
# far fewer 9p round trips (exec + dynamic linking are dominated by them).
mount -t 9p -o "$p9opts,ro,cache=loose" hostroot /host ||
	fail "cannot mount 9p share 'hostroot'"
[ -r /job/job.sh ] || fail "no /job/job.sh"

# Remember dirs that tmpfs mounts below would hide (e.g. a cwd under /tmp).
share() { # TAG PATH MODE(ro|rw)
	SHARES="$SHARES $1"
	eval "SHARE_PATH_$1=\$2 SHARE_MODE_$1=\$3"
}
SHARES=
JOB_CWD=/
. /job/job.sh

H=/host
mount -t proc proc $H/proc || fail "mount proc"
mount -t sysfs sysfs $H/sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs $H/dev || fail "mount devtmpfs"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $H/dev/pts || fail "mount devpts"
mount -t tmpfs -o mode=1777 tmpfs $H/dev/shm || fail "mount /dev/shm"
[ -e $H/dev/fd ] || ln -s /proc/self/fd $H/dev/fd
mount -t tmpfs -o mode=1777 tmpfs $H/tmp || fail "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs $H/run || fail "mount /run"
mkdir -p $H/run/lock $H/run/user
# Real drivers for the differential suite, loaded by the test (insmod FILE PARAMS).
mkdir -p $H/run/cusekit-vm/modules
cp /lib/modules/extra/* $H/run/cusekit-vm/modules/ 2>/dev/null
[ -d $H/var/tmp ] && { mount -t tmpfs -o mode=1777 tmpfs $H/var/tmp || fail "mount /var/tmp"; }
[ -d $H/sys/fs/fuse/connections ] && mount -t fusectl fusectl $H/sys/fs/fuse/connections 2>/dev/null

for t in $SHARES; do
	eval "p=\$SHARE_PATH_$t m=\$SHARE_MODE_$t"
	mkdir -p "$H$p" 2>/dev/null # only succeeds below a tmpfs; elsewhere it exists
	if [ "$m" = rw ]; then o=$p9opts; else o=$p9opts,ro,cache=loose; fi
	mount -t 9p -o "$o" "$t" "$H$p" || fail "cannot mount share $t at $p"
done

[ -d "$H$JOB_CWD" ] || fail "working directory $JOB_CWD not visible in the VM"
[ -c /dev/ttyS1 ] || fail "no /dev/ttyS1"
stty -F /dev/ttyS1 raw -echo 2>/dev/null

# Output goes through a FIFO drained by cat, so the program does not see a
# tty, and daemons it leaves behind can be killed before we report.
mkfifo /tmp/out
cat /tmp/out >/dev/ttyS1 &
catpid=$!
log "running: $*"
# $1 = number of NAME=VALUE words that follow, then PROGRAM ARGS.
chroot $H /usr/bin/env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	HOME=/root /bin/sh -c '
		cd -- "$1" || exit 125; shift
		n=$1; shift
		while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n - 1)); done
		exec "$@"' cusekit-vm "$JOB_CWD" "$@" </dev/null >/tmp/out 2>&1
rc=$?

# Kill leftovers (daemons the program did not stop), TERM then KILL, so the
# FIFO reaches EOF.  Kernel threads have no resolvable /proc/PID/exe.
victims=
for d in /proc/[0-9]*; do
	pid=${d#/proc/}
	[ "$pid" = 1 ] || [ "$pid" = "$catpid" ] && continue
	[ -e "$d/exe" ] && victims="$victims $pid"
done
if [ -n "$victims" ]; then
	log "killing leftover processes:$victims"
	kill -TERM $victims 2>/dev/null
	i=0
	while [ $i -lt 30 ]; do
		alive=
		for pid in $victims; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL $victims 2>/dev/null
fi
wait "$catpid"

echo "$rc" >/job/rc
printf '@@CUSEKIT-VM-EXIT@@ %s\n' "$rc" >/dev/ttyS1
log "program exited with $rc"
halt
