#!/bin/bash
# bench/run-seccomp.sh: the `cusekit run` benchmark, on the host (no VM,
# no root needed), never part of `meson test`.  bench/run.sh runs it too.
#
#   bench/run-seccomp.sh [--build-dir DIR] [--quick] [--rounds N] [--cpu C] [--raw-only]
#
# Every row runs once per round, client and supervisor pinned to one CPU
# (taskset -c C, default the last one), N rounds (default 5); the table
# takes each row's median.  Rows: the native anchor (FIONREAD on a pipe),
# ATOM_FLIP (_IOWR, 16 bytes) and a 4 KiB fifo read/write under
# `cusekit run`, the same ioctl number answered by bench/bare-seccomp.c (the
# least a notification server can do) with and without the supervisor's
# extra system calls, umockdev-run answering HIDIOCGFEATURE(16) (_IOWR,
# 16 bytes) from an ioctl file, getppid() and open()+close() of an
# unrelated file with and without the filter, and 1000 devices in one run.
# Prints the markdown table (bench/table.py) and keeps it with the raw
# lines in BUILD_DIR/bench-seccomp.{md,raw}.  --raw-only prints the raw
# lines instead (for run.sh).  BENCH_COMPARE_RUN=/path/to/another/cusekit
# adds its ATOM_FLIP row to every round (a before/after of a change).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=${CUSEKIT_BENCH_BUILD:-/tmp/build-bench}
rounds=5 quick=0 raw_only=0
cpu=$(($(nproc) - 1))
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build=${2:?}; shift 2 ;;
	--quick) quick=1; rounds=3; shift ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--cpu) cpu=${2:?}; shift 2 ;;
	--raw-only) raw_only=1; shift ;;
	-h | --help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run-seccomp.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

say() { printf 'bench: %s\n' "$*" >&2; }

if [ ! -e "$build/build.ninja" ]; then
	say "meson setup $build"
	meson setup "$build" "$src" --buildtype=debugoptimized >"${TMPDIR:-/tmp}/bench-setup.$$.log" 2>&1 ||
		{ cat "${TMPDIR:-/tmp}/bench-setup.$$.log" >&2; exit 1; }
fi
build=$(cd "$build" && pwd)
say "building in $build"
ninja -C "$build" bench/bench-client bench/bench-bare-seccomp src/bin/cusekit >&2 || exit 1

run=("$build/src/bin/cusekit" run)
bare=$build/bench/bench-bare-seccomp
client=$build/bench/bench-client
PIN=(taskset -c "$cpu")
if [ $quick = 1 ]; then
	ITER_NATIVE=20000 ITER_NOTIF=2000 ITER_UMOCKDEV=300
else
	ITER_NATIVE=${BENCH_ITER_NATIVE:-200000} ITER_NOTIF=${BENCH_ITER_NOTIF:-20000}
	ITER_UMOCKDEV=${BENCH_ITER_UMOCKDEV:-2000}
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=$build/bench-seccomp.raw
: >"$raw"
out() { tee -a "$raw" >&2; }

# request numbers: _IOC(dir, type, nr, size)
ioc() { printf '0x%x' $(( ($1 << 30) | ($4 << 16) | ($2 << 8) | $3 )); }
ATOM_FLIP=$(ioc 3 0xCE 3 16)          # _IOWR, struct atom_flip: 16 bytes
HIDIOCGFEATURE16=$(ioc 3 0x48 7 16)   # _IOWR('H', 0x07, 16 bytes)

# umockdev: a hidraw node whose ioctl file answers HIDIOCGFEATURE with 16
# bytes (its ioctl tree matches the request number, copies the recorded
# bytes out and returns the recorded value: 16, as the driver does).
cat >"$tmp/bench.umockdev" <<'EOF'
P: /devices/virtual/hidraw/hidraw0
N: hidraw0
E: DEVNAME=/dev/hidraw0
E: MAJOR=240
E: MINOR=0
E: SUBSYSTEM=hidraw
A: dev=240:0\n
EOF
printf '@DEV /dev/hidraw0\nHIDIOCGFEATURE(0) 16 01000000000000000000000000000000\n' >"$tmp/bench.ioctl"
umockdev=(umockdev-run -d "$tmp/bench.umockdev" -i "/dev/hidraw0=$tmp/bench.ioctl" --)
have_umockdev=1
command -v umockdev-run >/dev/null || { have_umockdev=0; say "umockdev-run not installed (apt-get install umockdev): its row is missing"; }

c() { # LABEL ITER [client args...]: the client alone
	local label=$1 iter=$2; shift 2
	"${PIN[@]}" "$client" --cpu-parent --label "$label" --iter "$iter" --reps 1 "$@" || echo "# $label failed"
}
under() { # LABEL ITER WRAPPER... :: [client args...]
	local label=$1 iter=$2 wrapper=(); shift 2
	while [ "$1" != :: ]; do wrapper+=("$1"); shift; done
	shift
	"${PIN[@]}" "${wrapper[@]}" "$client" --cpu-parent --label "$label" --iter "$iter" --reps 1 "$@" ||
		echo "# $label failed"
}

echo "# host: kernel $(uname -r), $(nproc) CPU(s), client and supervisor pinned to CPU $cpu" | out
say "cusekit run: $rounds rounds"
devs1000=()
for ((i = 0; i < 1000; i++)); do devs1000+=(--device "atom-flat:bscale$i"); done
for ((round = 1; round <= rounds; round++)); do
	say "round $round/$rounds"
	{
		c h-native-fionread "$ITER_NATIVE" fionread
		under run-flip "$ITER_NOTIF" "${run[@]}" --device atom-flat:bflip0 -- :: --arg-u32 1 ioctl /dev/bflip0 "$ATOM_FLIP"
		under run-flip-notrace "$ITER_NOTIF" "${run[@]}" --trace-size 0 --device atom-flat:bflip0 -- :: \
			--arg-u32 1 ioctl /dev/bflip0 "$ATOM_FLIP"
		[ -n "${BENCH_COMPARE_RUN:-}" ] &&
			under run-flip-compare "$ITER_NOTIF" "$BENCH_COMPARE_RUN" run --device atom-flat:bflip0 -- :: \
				--arg-u32 1 ioctl /dev/bflip0 "$ATOM_FLIP"
		under run-fifo4k "$ITER_NOTIF" "${run[@]}" --device fifo:bfifo0,size=65536 -- :: rw /dev/bfifo0 4096 4096
		c h-pipe4k "$ITER_NATIVE" rw pipe 4096 4096
		under run-pipe4k "$ITER_NOTIF" "${run[@]}" --device atom-flat:bflip0 -- :: rw pipe 4096 4096
		under bare-flip "$ITER_NOTIF" "$bare" "$ATOM_FLIP" -- :: --arg-u32 1 ioctl /dev/null "$ATOM_FLIP"
		for extra in stat fstatat valid poll stat,valid,poll; do
			under "bare-flip+$extra" "$ITER_NOTIF" "$bare" --extra "$extra" "$ATOM_FLIP" -- :: \
				--arg-u32 1 ioctl /dev/null "$ATOM_FLIP"
		done
		[ $have_umockdev = 1 ] &&
			under umockdev-hid16 "$ITER_UMOCKDEV" "${umockdev[@]}" :: ioctl /dev/hidraw0 "$HIDIOCGFEATURE16"
		c h-native-getppid "$ITER_NATIVE" getppid
		under run-getppid "$ITER_NATIVE" "${run[@]}" --device atom-flat:bflip0 -- :: getppid
		under bare-getppid "$ITER_NATIVE" "$bare" "$ATOM_FLIP" -- :: getppid
		c h-native-openclose "$ITER_NOTIF" openclose /etc/passwd
		under run-openclose "$ITER_NOTIF" "${run[@]}" --device atom-flat:bflip0 -- :: openclose /etc/passwd
		under run-openclose-1000 "$ITER_NOTIF" "${run[@]}" "${devs1000[@]}" -- :: openclose /etc/passwd
	} 2>&1 | out
done

# System calls the supervisor makes per ioctl (tracepoints; perf needs no
# hardware counters for these): (count(N) - count(0)) / N.  A trapped call
# of the program never reaches sys_enter, so only the supervisor's count.
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
	say "system calls per notification (perf tracepoints)"
	sc() { # ITER WRAPPER... :: client args: sys_enter count
		local iter=$1 wrapper=(); shift
		while [ "$1" != :: ]; do wrapper+=("$1"); shift; done
		shift
		"${PIN[@]}" perf stat -x, -e raw_syscalls:sys_enter -o "$tmp/sc" -- "${wrapper[@]}" "$client" \
			--iter "$iter" --warmup 0 --reps 1 "$@" >/dev/null 2>&1
		cut -d, -f1 "$tmp/sc" | grep -E '^[0-9]+$' | tail -1
	}
	for what in run bare; do
		if [ $what = run ]; then w=("${run[@]}" --device atom-flat:bflip0 --) dev=/dev/bflip0
		else w=("$bare" "$ATOM_FLIP" --) dev=/dev/null; fi
		n0=$(sc 0 "${w[@]}" :: --arg-u32 1 ioctl "$dev" "$ATOM_FLIP")
		n1=$(sc 10000 "${w[@]}" :: --arg-u32 1 ioctl "$dev" "$ATOM_FLIP")
		[ -n "$n0" ] && [ -n "$n1" ] && echo "VALUE syscalls-$what-flip $(( n1 - n0 )) 10000" | out
	done
fi

# N devices in one run: from the start of `cusekit run` until PROGRAM runs
# (and sees the last device), and the supervisor's VmRSS then.
say "scale: 1 and 1000 devices"
for N in 1 1000; do
	devs=()
	for ((i = 0; i < N; i++)); do devs+=(--device "atom-flat:bscale$i"); done
	best=
	for ((r = 0; r < 3; r++)); do
		t0=$(date +%s%N)
		line=$("${PIN[@]}" "${run[@]}" "${devs[@]}" -- /bin/sh -c \
			't=$(date +%s%N); test -c /dev/bscale'$((N - 1))' && p=1 || p=0; echo $t $p $(awk "/VmRSS/ { print \$2 }" /proc/$PPID/status)')
		t2=$(date +%s%N)
		read -r t1 present rss <<<"$line"
		ms=$(( (t1 - t0) / 1000000 )) total=$(( (t2 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "${best%% *}" ]; then best="$ms $total $present $rss"; fi
	done
	read -r ms total present rss <<<"$best"
	{
		echo "VALUE run-scale-$N-ms $ms"
		echo "VALUE run-scale-$N-total-ms $total"
		echo "VALUE run-scale-$N-present $present"
		echo "VALUE run-scale-$N-rss-kib $rss"
	} | out
done

printf 'machine: %s, %s CPUs, %s; host kernel %s\n' \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(nproc)" \
	"$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)" >>"$raw"
if [ $raw_only = 1 ]; then
	cat "$raw"
else
	python3 "$here/table.py" "$raw" | tee "$build/bench-seccomp.md"
fi
