#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# fuzz-run.sh CUSEKIT FUZZ_RUN: every family's devices under one `cusekit
# run`, and fuzz-run making random calls on them for
# $CUSEKIT_FUZZ_RUN_SECONDS (default 20) with seed $CUSEKIT_FUZZ_RUN_SEED
# (default: from the clock, printed, so a failure can be replayed).  TAP.
set -u
cusekit=$1
fuzz=$2
seconds=${CUSEKIT_FUZZ_RUN_SECONDS:-20}
seed=${CUSEKIT_FUZZ_RUN_SEED:-$(date +%s)}
echo "1..1"
echo "# seed $seed (replay: CUSEKIT_FUZZ_RUN_SEED=$seed)"
out=$(timeout -k 10 $((seconds + 60)) "$cusekit" run \
	--device atom:fz-atom0 --device fifo:fz-fifo0,size=64 \
	--device i2c:fz-i2c-9,chip=24c02@0x50,chip=lm75@0x48 \
	--device rtc:fz-rtc9 --device watchdog:fz-watchdog9,timeout=2 \
	--device spi:fz-spidev9.0,chip=25xx --device tty:fz-tty9,loopback=1 \
	-- "$fuzz" "$seconds" "$seed" /dev/fz-atom0 /dev/fz-fifo0 /dev/fz-i2c-9 /dev/fz-rtc9 \
	/dev/fz-watchdog9 /dev/fz-spidev9.0 /dev/fz-tty9 2>&1)
rc=$?
echo "$out" | tail -n 20 | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	echo "ok 1 - the run served $seconds s of random calls and every node still answers"
else
	echo "not ok 1 - cusekit run exited $rc under random calls (seed $seed)"
	exit 1
fi
