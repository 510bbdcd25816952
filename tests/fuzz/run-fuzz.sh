#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets with clang in their own build dir and runs
# fuzz-pipeline for SECONDS (default 60).  Exits non-zero on a crash; the
# input is saved in tests/fuzz/crashes/ (reproduce: BUILD/tests/fuzz/fuzz-pipeline FILE).
#
# usage: tests/fuzz/run-fuzz.sh [SECONDS]
#   BUILD   build dir (default /tmp/build-fuzz)
#   JOBS    parallel fuzzer processes (default 1)
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-/tmp/build-fuzz}
jobs=${JOBS:-1}

if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dbuildtype=debugoptimized
fi
ninja -C "$build" tests/fuzz/fuzz-pipeline

# The working corpus lives in the build dir; tests/fuzz/corpus, committed,
# seeds it, so that a run (CI's too) starts where the last kept one ended.
# Keep a run's gains with
#   $BUILD/tests/fuzz/fuzz-pipeline -set_cover_merge=1 tests/fuzz/corpus $BUILD/fuzz-corpus
mkdir -p "$build/fuzz-corpus" "$here/crashes"
seeds=""
[ -d "$here/corpus" ] && seeds="$here/corpus"

# The saved reproducers first, without the suppressions: each is a
# regression case and must run clean once its bug is fixed.
set -- "$here"/crashes/crash-*
if [ -e "$1" ]; then
        if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                "$build/tests/fuzz/fuzz-pipeline" "$@" >"$build/fuzz-replay.log" 2>&1; then
                grep -v '^\*\* Message' "$build/fuzz-replay.log" | tail -n 40 >&2
                echo "run-fuzz: a saved reproducer in $here/crashes still fails" >&2
                exit 1
        fi
        echo "run-fuzz: $# saved reproducers run clean"
fi

# halt_on_error: a UBSan report is a crash, not a line in the log.
# ubsan.supp lists known findings (each with a reproducer in crashes/).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# -jobs writes each job's log to fuzz-N.log: only when asked for.
parallel=""
[ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
# shellcheck disable=SC2086  # $seeds, $parallel: empty or plain words
exec "$build/tests/fuzz/fuzz-pipeline" \
        -max_total_time="$seconds" -print_final_stats=1 $parallel \
        -artifact_prefix="$here/crashes/" \
        "$build/fuzz-corpus" $seeds
