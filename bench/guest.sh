#!/bin/bash
# The in-VM half of bench/run.sh (run by tests/kernel/vm-run.sh in the test
# VM: real CUSE, Debian's kernel).  Prints RESULT / VALUE lines that run.sh
# turns into the table.  Usage: guest.sh BUILD_DIR
#
# Client and servers run pinned to one CPU (the last one), so every request
# is a real switch client -> daemon -> client on that CPU.  Majors 110-115.
set -u
build=${1:?usage: guest.sh BUILD_DIR}
daemon=$build/src/bin/cusekitd
bare=$build/bench/bench-bare-cuse
client=$build/bench/bench-client
ITER_NATIVE=${BENCH_ITER_NATIVE:-50000}
ITER_CUSE=${BENCH_ITER_CUSE:-3000}
REPS=${BENCH_REPS:-5}
CG_N=${BENCH_CALLGRIND_N:-2000}
SCALE=${BENCH_SCALE:-1 100 1000}
cpu=$(($(nproc) - 1))
PIN=(taskset -c "$cpu")
tmp=$(mktemp -d)
pids=()

# request numbers: _IOC(dir, type, nr, size)
ioc() { printf '0x%x' $(( ($1 << 30) | ($4 << 16) | ($2 << 8) | $3 )); }
BARE_GET=$(ioc 2 0x42 1 4) BARE_SET=$(ioc 1 0x42 2 4)
ATOM_GET=$(ioc 2 0xD1 1 16) ATOM_SET=$(ioc 1 0xD1 2 16)

log() { printf '# %s\n' "$*"; }
wait_for() { # FILE SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
	log "timeout waiting for $1"; return 1
}
wait_gone() { # PID SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	log "pid $1 did not exit"; return 1
}
stop() { # PID: SIGTERM and wait (nodes go away with it)
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	wait_gone "$1" 120
}
run() { # LABEL ITER [client args...]
	local label=$1 iter=$2; shift 2
	"${PIN[@]}" "$client" --label "$label" --iter "$iter" --reps 1 "$@" || log "$label failed"
}

log "kernel $(uname -r), $(nproc) CPU(s), pinned to CPU $cpu; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

# --- servers ---
"${PIN[@]}" "$daemon" --background --pidfile "$tmp/d.pid" --major 110 \
	--device atom:batom0 --device atom-flat:batomflat0 --device fifo:bfifo0 || { echo "cusekitd did not start"; exit 1; }
dpid=$(cat "$tmp/d.pid")
"${PIN[@]}" "$bare" --name bbare0 --major 111 --minor 0 --pidfile "$tmp/b.pid" &
bpid=$!
wait_for "$tmp/b.pid" 30 && wait_for /dev/bbare0 30 || exit 1

# --- round trips ---
# Every benchmark once per round, REPS rounds: drift of a loaded host hits
# all of them alike; run.sh takes each one's median over the rounds.
for ((round = 1; round <= REPS; round++)); do
	log "round $round/$REPS"
	run native-fionread "$ITER_NATIVE" fionread
	run bare-get "$ITER_CUSE" ioctl /dev/bbare0 "$BARE_GET"
	run bare-set "$ITER_CUSE" ioctl /dev/bbare0 "$BARE_SET"
	run flat-get "$ITER_CUSE" ioctl /dev/batomflat0 "$ATOM_GET"
	run flat-set "$ITER_CUSE" ioctl /dev/batomflat0 "$ATOM_SET"
	run unr-get "$ITER_CUSE" ioctl /dev/batom0 "$ATOM_GET"
	run unr-set "$ITER_CUSE" ioctl /dev/batom0 "$ATOM_SET"
	# read()/write(): 4 KiB where the server takes it (the fifo device);
	# atom takes "1\n" and answers it with "1\n" (one read per change), so
	# 2-byte anchors too.
	run rw4k-pipe "$ITER_NATIVE" rw pipe 4096 4096
	run rw4k-bare "$ITER_CUSE" rw /dev/bbare0 4096 4096
	run rw2-pipe "$ITER_NATIVE" rw pipe 2 4096
	run rw2-bare "$ITER_CUSE" rw /dev/bbare0 2 2
	run rw2-atom "$ITER_CUSE" rw /dev/batomflat0 2 4096
	run rw4k-fifo "$ITER_CUSE" rw /dev/bfifo0 4096 4096
	# two clients in parallel, each its own open (aggregate ns per operation)
	run par2-native-fionread "$ITER_NATIVE" --parallel 2 fionread
	run par2-bare-get "$ITER_CUSE" --parallel 2 ioctl /dev/bbare0 "$BARE_GET"
	run par2-flat-get "$ITER_CUSE" --parallel 2 ioctl /dev/batomflat0 "$ATOM_GET"
	run par2-unr-get "$ITER_CUSE" --parallel 2 ioctl /dev/batom0 "$ATOM_GET"
	run par2-rw4k-pipe "$ITER_NATIVE" --parallel 2 rw pipe 4096 4096
	run par2-rw4k-bare "$ITER_CUSE" --parallel 2 rw /dev/bbare0 4096 4096
	run par2-rw2-atom "$ITER_CUSE" --parallel 2 rw /dev/batomflat0 2 4096
done

stop "$dpid"
stop "$bpid"

# --- daemon-side instructions per ioctl (callgrind) ---
# Each server runs under callgrind in the foreground, serves a client that
# opens, does N GET + N SET (or 0 + 0), closes; then SIGTERM.  Instructions
# per ioctl = (Ir(N) - Ir(0)) / 2N: startup, open and close cancel out.
if command -v valgrind >/dev/null && [ "${BENCH_CALLGRIND:-1}" = 1 ]; then
	total_ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
	cg_run() { # NAME N SERVER-KIND [ENV...]
		local name=$1 n=$2 kind=$3 out=$tmp/cg.$1 spid dev get set
		shift 3
		rm -f "$tmp/cg.pid"
		case $kind in
		bare)
			"${PIN[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$out" \
				"$bare" --name cgbare0 --major 113 --minor 0 --pidfile "$tmp/cg.pid" &
			spid=$!; dev=/dev/cgbare0; get=$BARE_GET; set=$BARE_SET ;;
		flat | unr)
			env "$@" "${PIN[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$out" \
				"$daemon" --pidfile "$tmp/cg.pid" --major 112 \
				--device atom:cgatom0 --device atom-flat:cgatomflat0 2>/dev/null &
			spid=$!; get=$ATOM_GET; set=$ATOM_SET
			if [ "$kind" = flat ]; then dev=/dev/cgatomflat0; else dev=/dev/cgatom0; fi ;;
		esac
		wait_for "$tmp/cg.pid" 300 && wait_for "$dev" 60 || { kill -KILL $spid; return 1; }
		"${PIN[@]}" "$client" --label cg --iter "$n" --reps 1 --warmup 0 ioctl "$dev" "$get" >/dev/null
		"${PIN[@]}" "$client" --label cg --iter "$n" --reps 1 --warmup 0 ioctl "$dev" "$set" >/dev/null
		kill -TERM $spid
		wait $spid
		wait_gone $spid 120
		echo "VALUE ir-$name $(total_ir "$out")"
	}
	cg_run bare-0 0 bare
	cg_run bare-n "$CG_N" bare
	cg_run flat-0 0 flat
	cg_run flat-n "$CG_N" flat
	cg_run unr-n "$CG_N" unr
	# the same through libfuse's request path (the FUSE_IOCTL fast path off)
	cg_run flat-n-libfuse "$CG_N" flat CUSEKIT_FAST_IOCTL=0
	cg_run unr-n-libfuse "$CG_N" unr CUSEKIT_FAST_IOCTL=0
	echo "VALUE cg-n $CG_N"
	# where the cost goes, for docs/PERFORMANCE.md
	if [ -s "$tmp/cg.flat-n" ]; then
		callgrind_annotate --inclusive=yes "$tmp/cg.flat-n" 2>/dev/null | head -n 60 | sed 's/^/# flat-n: /'
	fi
	[ -n "${BENCH_KEEP_CALLGRIND:-}" ] && cp "$tmp"/cg.* "$BENCH_KEEP_CALLGRIND"/ 2>/dev/null
else
	log "valgrind not available: no instruction counts"
fi

# --- scale: N devices in one daemon ---
major=114
for n in $SCALE; do
	args=()
	for ((i = 0; i < n; i++)); do args+=(--device "atom-flat:bs$n-$i"); done
	t0=$(date +%s%N)
	"${PIN[@]}" "$daemon" --background --pidfile "$tmp/s.pid" --major $major "${args[@]}" 2>"$tmp/s.err"
	rc=$?
	t1=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		log "scale $n: exit $rc: $(tail -n 2 "$tmp/s.err")"
		continue
	fi
	spid=$(cat "$tmp/s.pid")
	present=$(ls /dev | grep -c "^bs$n-")
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$spid/status")
	echo "VALUE scale-$n-ms $(((t1 - t0) / 1000000))"
	echo "VALUE scale-$n-rss-kib $rss"
	echo "VALUE scale-$n-present $present"
	read -r -a st <"/proc/$spid/stat"
	echo "VALUE scale-$n-cpu-ms $(((st[13] + st[14]) * 1000 / $(getconf CLK_TCK)))"
	stop "$spid"
	major=$((major + 1))
done
rm -rf "$tmp"
exit 0
