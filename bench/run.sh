#!/bin/bash
# bench/run.sh: cusekit's benchmark, one command, never part of `meson test`.
#
#   bench/run.sh [--build-dir DIR] [--quick] [--no-vm] [--no-run] [--cpus N] [--keep DIR]
#
# Builds what it needs in its own build dir (default /tmp/build-bench, or
# $CUSEKIT_BENCH_BUILD), measures the pipeline in-process on the host
# (time and callgrind instructions) and `cusekit run` (bench/run-seccomp.sh,
# seccomp user notification, on the host too), then boots the kernel test VM once
# (tests/kernel/vm-run.sh: Debian's kernel, real CUSE) for everything that
# needs /dev nodes: round trips against their anchors, daemon-side
# instructions under callgrind, and N devices in one daemon.  Prints one
# markdown table (docs/PERFORMANCE.md explains it) and keeps it with the raw
# lines in BUILD_DIR/bench-results.{md,raw}.
#
#   --quick      few iterations (a smoke run: minutes, numbers rough)
#   --no-vm      host part only
#   --no-run     without the `cusekit run` part (bench/run-seccomp.sh runs it alone)
#   --cpus N     guest CPUs (default 2; client and daemons pinned to the last)
#   --keep DIR   keep the in-VM callgrind outputs in DIR (host path, shared)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=${CUSEKIT_BENCH_BUILD:-/tmp/build-bench}
quick=0 vm=1 seccomp=1 cpus=2 keep=
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build=${2:?}; shift 2 ;;
	--quick) quick=1; shift ;;
	--no-vm) vm=0; shift ;;
	--no-run) seccomp=0; shift ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--keep) keep=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

say() { printf 'bench: %s\n' "$*" >&2; }

# --- build (its own dir; debugoptimized like the default build) ---
if [ ! -e "$build/build.ninja" ]; then
	say "meson setup $build"
	meson setup "$build" "$src" --buildtype=debugoptimized >"${TMPDIR:-/tmp}/bench-setup.$$.log" 2>&1 ||
		{ cat "${TMPDIR:-/tmp}/bench-setup.$$.log" >&2; exit 1; }
fi
build=$(cd "$build" && pwd)
say "building in $build"
ninja -C "$build" bench/bench-pipeline bench/bench-client bench/bench-bare-cuse src/bin/cusekitd >&2 ||
	exit 1

raw=$build/bench-results.raw
: >"$raw"
if [ $quick = 1 ]; then
	P_ITER=200000 P_REPS=5
	envs=(--env BENCH_ITER_CUSE=300 --env BENCH_ITER_NATIVE=5000 --env BENCH_REPS=3 --env BENCH_CALLGRIND_N=200)
else
	P_ITER=2000000 P_REPS=9
	envs=()
fi

# --- host: the pipeline in-process ---
say "host: pipeline and loopback (ns per ioctl)"
taskset -c 0 "$build/bench/bench-pipeline" --iter $P_ITER --reps $P_REPS | tee -a "$raw" >&2
if command -v valgrind >/dev/null; then
	say "host: callgrind, instructions per ck_pipeline_ioctl()"
	for what in pipeline-flat-get pipeline-flat-set traced-flat-get traced-flat-set; do
		out=$(mktemp)
		valgrind -q --tool=callgrind --callgrind-out-file="$out" --toggle-collect=ck_pipeline_ioctl \
			"$build/bench/bench-pipeline" --only $what --iter 10000 --reps 1 >/dev/null
		# 10000 timed + 1000 warm-up calls
		ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
		echo "VALUE ir-$what $ir 11000" | tee -a "$raw" >&2
		rm -f "$out"
	done
fi

# --- host: cusekit run (seccomp user notification) ---
if [ $seccomp = 1 ]; then
	say "host: cusekit run (bench/run-seccomp.sh)"
	quick_arg=()
	[ $quick = 1 ] && quick_arg=(--quick)
	"$here/run-seccomp.sh" --build-dir "$build" "${quick_arg[@]+"${quick_arg[@]}"}" --raw-only | grep -v '^machine:' >>"$raw" ||
		say "the cusekit run part failed: its rows are missing"
fi

# --- the VM: everything with real /dev nodes, one boot ---
if [ $vm = 1 ]; then
	say "VM: booting (${cpus} CPUs); round trips, callgrind, scale — several minutes under TCG"
	[ -n "$keep" ] && { mkdir -p "$keep"; envs+=(--share "$keep" --env "BENCH_KEEP_CALLGRIND=$keep"); }
	(cd "$src" && "$src/tests/kernel/vm-run.sh" --timeout 2400 --cpus "$cpus" --mem 1536 \
		--expose "$src" --expose "$build" "${envs[@]+"${envs[@]}"}" \
		-- "$src/bench/guest.sh" "$build") | tee -a "$raw" >&2
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || say "VM part failed (exit $rc): its rows are missing"
fi

printf '\nmachine: %s, %s CPUs, %s; host kernel %s\n' \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(nproc)" \
	"$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)" >>"$raw"
python3 "$here/table.py" "$raw" | tee "$build/bench-results.md"
