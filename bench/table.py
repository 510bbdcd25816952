#!/usr/bin/env python3
"""bench/table.py RAW: the markdown table of bench/run.sh from its raw lines."""
import statistics
import sys

res, val, cpu, notes = {}, {}, {}, []
for line in open(sys.argv[1], errors="replace"):
    f = line.split()
    if len(f) >= 3 and f[0] == "RESULT":
        res.setdefault(f[1], []).append(float(f[2]))
    elif len(f) >= 3 and f[0] == "CPU":
        cpu.setdefault(f[1], []).append(float(f[2]))
    elif len(f) >= 3 and f[0] == "VALUE":
        val[f[1]] = [float(x) for x in f[2:]]
    elif line.startswith("# kernel") or line.startswith("# host") or line.startswith("machine:"):
        notes.append(line.strip().lstrip("# "))


def med(label):
    return statistics.median(res[label]) if label in res else None


def fmt(x, unit=""):
    if x is None:
        return "—"
    if unit == "ns":
        return f"{x / 1000:.1f} µs" if x >= 10000 else f"{x:.0f} ns"
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(x, limit):
    if x is None:
        return "not measured"
    return "**met**" if x <= limit else "**missed**"


out = []
p = out.append
have_vm = "bare-get" in res or "cg-n" in val or "scale-1-ms" in val
have_pipeline = "pipeline-flat-get" in res
have_run = any(k.startswith("run-") for k in list(res) + list(val))


def vm_tables():
    native = med("native-fionread")
    p("## In the VM: one client, client and servers pinned to one CPU (median over rounds)\n")
    p("| request | what serves it | time per op | × native FIONREAD | × bare CUSE, same direction |")
    p("|---|---|---:|---:|---:|")
    rows = [
        ("native-fionread", "ioctl(FIONREAD) on a pipe", "kernel", None),
        ("bare-get", "_IOR int", "bare libfuse CUSE, unrestricted (2 rounds)", "bare-get"),
        ("bare-set", "_IOW int", "bare libfuse CUSE, unrestricted (2 rounds)", "bare-set"),
        ("flat-get", "ATOM_GET _IOR 16 B", "cusekitd atom-flat, restricted (1 round)", "bare-get"),
        ("flat-set", "ATOM_SET _IOW 16 B", "cusekitd atom-flat, restricted (1 round)", "bare-set"),
        ("unr-get", "ATOM_GET _IOR 16 B", "cusekitd atom, unrestricted (2 rounds)", "bare-get"),
        ("unr-set", "ATOM_SET _IOW 16 B", "cusekitd atom, unrestricted (2 rounds)", "bare-set"),
        ("rw4k-pipe", "write+read 4 KiB", "pipe", "rw4k-bare"),
        ("rw4k-bare", "write+read 4 KiB", "bare libfuse CUSE", "rw4k-bare"),
        ("rw2-pipe", "write+read 2 B", "pipe", "rw2-bare"),
        ("rw2-bare", "write+read 2 B", "bare libfuse CUSE", "rw2-bare"),
        ("rw2-atom", "write \"1\\n\" + read \"1\\n\"", "cusekitd atom-flat", "rw2-bare"),
        ("rw4k-fifo", "write+read 4 KiB", "cusekitd fifo", "rw4k-bare"),
    ]
    for label, what, server, anchor in rows:
        if label == "native-fionread":
            what, server = "FIONREAD on a pipe", "kernel (= 1.0)"
        m = med(label)
        p(f"| {what} | {server} | {fmt(m, 'ns')} | {fmt(ratio(m, native))} | "
          f"{fmt(ratio(m, med(anchor))) if anchor and anchor != label else ''} |")
    p("")
    p("read()/write() rows: time per single read() or write() (half a write+read pair).\n")

    p("## In the VM: two clients in parallel (aggregate: wall time / all ops)\n")
    p("| request | server | time per op | × same with one client |")
    p("|---|---|---:|---:|")
    for label, one, text in [
        ("par2-native-fionread", "native-fionread", "FIONREAD on a pipe | kernel"),
        ("par2-bare-get", "bare-get", "_IOR int | bare CUSE"),
        ("par2-flat-get", "flat-get", "ATOM_GET | cusekitd atom-flat"),
        ("par2-unr-get", "unr-get", "ATOM_GET | cusekitd atom"),
        ("par2-rw4k-pipe", "rw4k-pipe", "write+read 4 KiB | pipe"),
        ("par2-rw4k-bare", "rw4k-bare", "write+read 4 KiB | bare CUSE"),
        ("par2-rw2-atom", "rw2-atom", "write+read 2 B | cusekitd atom-flat"),
    ]:
        m = med(label)
        p(f"| {text} | {fmt(m, 'ns')} | {fmt(ratio(m, med(one)))} |")
    p("")

    p("## Daemon-side instructions per ioctl (callgrind, in the VM; (Ir(N) − Ir(0)) / 2N, N GET + N SET)\n")
    n = val.get("cg-n", [None])[0]
    irs = {}
    if n:
        def per(a, b):
            return (val[a][0] - val[b][0]) / (2 * n) if a in val and b in val else None
        irs = {"bare": per("ir-bare-n", "ir-bare-0"), "flat": per("ir-flat-n", "ir-flat-0"),
               "unr": per("ir-unr-n", "ir-flat-0"),
               "flat-lf": per("ir-flat-n-libfuse", "ir-flat-0"), "unr-lf": per("ir-unr-n-libfuse", "ir-flat-0")}
    p("| server | rounds | instructions per ioctl | × bare |")
    p("|---|---:|---:|---:|")
    p(f"| bare libfuse CUSE, unrestricted | 2 | {fmt(irs.get('bare'))} | 1.0 |")
    p(f"| cusekitd atom-flat, restricted | 1 | {fmt(irs.get('flat'))} | {fmt(ratio(irs.get('flat'), irs.get('bare')))} |")
    p(f"| cusekitd atom, unrestricted | 2 | {fmt(irs.get('unr'))} | {fmt(ratio(irs.get('unr'), irs.get('bare')))} |")
    p(f"| cusekitd atom-flat, FUSE_IOCTL fast path off (CUSEKIT_FAST_IOCTL=0) | 1 | {fmt(irs.get('flat-lf'))} | "
      f"{fmt(ratio(irs.get('flat-lf'), irs.get('bare')))} |")
    p(f"| cusekitd atom, FUSE_IOCTL fast path off (CUSEKIT_FAST_IOCTL=0) | 2 | {fmt(irs.get('unr-lf'))} | "
      f"{fmt(ratio(irs.get('unr-lf'), irs.get('bare')))} |")
    p("")

    p("## The pipeline in-process (host, ns per ioctl; instructions from callgrind)\n")
    p("| path | GET | SET |")
    p("|---|---:|---:|")
    for kind, text in [("pipeline-flat", "ck_pipeline_ioctl(), atom-flat (1 round)"),
                       ("traced-flat", "ck_pipeline_ioctl(), atom-flat, trace ring on (cusekitd's default)"),
                       ("pipeline-unrestricted", "ck_pipeline_ioctl(), atom (2 rounds)"),
                       ("loopback-flat", "ck_loopback_ioctl(), atom-flat"),
                       ("loopback-unrestricted", "ck_loopback_ioctl(), atom")]:
        p(f"| {text} | {fmt(med(kind + '-get'), 'ns')} | {fmt(med(kind + '-set'), 'ns')} |")
    ir_get = val.get("ir-pipeline-flat-get")
    ir_set = val.get("ir-pipeline-flat-set")
    p(f"| instructions per ck_pipeline_ioctl(), atom-flat | "
      f"{fmt(ir_get[0] / ir_get[1]) if ir_get else '—'} | {fmt(ir_set[0] / ir_set[1]) if ir_set else '—'} |")
    tr_get = val.get("ir-traced-flat-get")
    tr_set = val.get("ir-traced-flat-set")
    p(f"| instructions per ck_pipeline_ioctl(), atom-flat, trace on | "
      f"{fmt(tr_get[0] / tr_get[1]) if tr_get else '—'} | {fmt(tr_set[0] / tr_set[1]) if tr_set else '—'} |")
    p("")

    p("## N devices in one daemon (in the VM; atom-flat devices)\n")
    p("| N | `cusekitd --background` returns (all nodes present) | nodes present | daemon CPU | VmRSS | RSS per device vs N=1 |")
    p("|---:|---:|---:|---:|---:|---:|")
    rss1 = val.get("scale-1-rss-kib", [None])[0]
    per_dev = {}
    for N in (1, 100, 1000):
        ms = val.get(f"scale-{N}-ms", [None])[0]
        if ms is None:
            p(f"| {N} | failed | | | | |")
            continue
        rss = val[f"scale-{N}-rss-kib"][0]
        pd = (rss - rss1) / (N - 1) if N > 1 and rss1 else None
        per_dev[N] = pd
        p(f"| {N} | {ms:.0f} ms | {val[f'scale-{N}-present'][0]:.0f} | {val.get(f'scale-{N}-cpu-ms', [0])[0]:.0f} ms | "
          f"{rss / 1024:.1f} MiB | {f'{pd:.1f} KiB' if pd is not None else ''} |")
    p("")

    p("## Targets\n")
    p("| target | measured | |")
    p("|---|---|---|")
    fg, fs = ratio(med("flat-get"), med("bare-get")), ratio(med("flat-set"), med("bare-set"))
    worst = max(fg, fs) if fg is not None and fs is not None else None
    p(f"| restricted flat ioctl ≤ 0.65× bare unrestricted, same run | GET {fmt(fg)}×, SET {fmt(fs)}× | {verdict(worst, 0.65)} |")
    fr = ratio(irs.get("flat"), irs.get("bare"))
    ur = ratio(irs.get("unr"), irs.get("bare"))
    p(f"| daemon instructions, restricted ≤ 0.6× bare | {fmt(fr)}× | {verdict(fr, 0.6)} |")
    p(f"| daemon instructions, unrestricted ≤ 1.1× bare | {fmt(ur)}× | {verdict(ur, 1.1)} |")
    pg, ps = med("pipeline-flat-get"), med("pipeline-flat-set")
    pw = max(pg, ps) if pg is not None and ps is not None else None
    p(f"| pipeline in-process ≤ 60 ns per flat ioctl | GET {fmt(pg, 'ns')}, SET {fmt(ps, 'ns')} | {verdict(pw, 60)} |")
    ms1000 = val.get("scale-1000-ms", [None])[0]
    ok1000 = ms1000 if val.get("scale-1000-present", [0])[0] == 1000 else None
    p(f"| 1000 devices: all nodes within 2 s (VM) | {fmt(ms1000)} ms | {verdict(ok1000, 2000)} |")
    p(f"| ≤ 16 KiB RSS per device | {fmt(per_dev.get(1000))} KiB (N=1000) | {verdict(per_dev.get(1000), 16)} |")
    p("")
def paired(a, b, table=None):
    """Median over rounds of a/b within each round (drift cancels), or None."""
    table = res if table is None else table
    xs = [x / y for x, y in zip(table.get(a, []), table.get(b, [])) if y]
    return statistics.median(xs) if xs else None


def cmed(label):
    return statistics.median(cpu[label]) if label in cpu else None


def run_tables():
    native = med("h-native-fionread")
    p("## `cusekit run` on the host: client and supervisor pinned to one CPU (median over rounds)\n")
    p("| request | what serves it | time per op | CPU per op | × native FIONREAD | × anchor: time | × anchor: CPU | anchor |")
    p("|---|---|---:|---:|---:|---:|---:|---|")
    rows = [
        ("h-native-fionread", "FIONREAD on a pipe", "kernel (= 1.0)", None),
        ("run-flip", "ATOM_FLIP _IOWR 16 B", "`cusekit run`, atom-flat (trace ring on: the default)", "bare-flip"),
        ("run-flip-notrace", "ATOM_FLIP _IOWR 16 B", "`cusekit run --trace-size 0`, atom-flat", "bare-flip"),
        ("run-flip-compare", "ATOM_FLIP _IOWR 16 B", "$BENCH_COMPARE_RUN's `cusekit run`, atom-flat", "run-flip"),
        ("bare-flip", "ATOM_FLIP's number, 16 B", "bare notification server: RECV, readv, writev, SEND", None),
        ("bare-flip+stat", "ATOM_FLIP's number, 16 B", "bare + stat(\"/proc/PID/fd/N\")", "bare-flip"),
        ("bare-flip+fstatat", "ATOM_FLIP's number, 16 B", "bare + fstatat(cached /proc/PID/fd, \"N\")", "bare-flip"),
        ("bare-flip+valid", "ATOM_FLIP's number, 16 B", "bare + 2 × NOTIF_ID_VALID", "bare-flip"),
        ("bare-flip+poll", "ATOM_FLIP's number, 16 B", "bare + poll(listener, 0)", "bare-flip"),
        ("bare-flip+stat,valid,poll", "ATOM_FLIP's number, 16 B", "bare + all three (the system calls `cusekit run` makes)", "bare-flip"),
        ("umockdev-hid16", "HIDIOCGFEATURE(16) _IOWR 16 B", "umockdev-run, ioctl file (LD_PRELOAD + socket)", "run-flip"),
        ("h-pipe4k", "write+read 4 KiB", "pipe (kernel)", None),
        ("run-fifo4k", "write+read 4 KiB", "`cusekit run`, fifo", "h-pipe4k"),
        ("run-pipe4k", "write+read 4 KiB", "pipe, under `cusekit run`'s filter (not a device)", "h-pipe4k"),
        ("h-native-getppid", "getppid()", "kernel, no filter", None),
        ("run-getppid", "getppid()", "kernel, under `cusekit run`'s filter", "h-native-getppid"),
        ("bare-getppid", "getppid()", "kernel, under the bare server's filter", "h-native-getppid"),
        ("h-native-openclose", "open()+close() of /etc/passwd", "kernel, no filter", None),
        ("run-openclose", "open()+close() of /etc/passwd", "`cusekit run`, 1 device (open: notified, continued)", "h-native-openclose"),
        ("run-openclose-1000", "open()+close() of /etc/passwd", "`cusekit run`, 1000 devices", "h-native-openclose"),
    ]
    for label, what, server, anchor in rows:
        if label not in res:
            continue
        m = med(label)
        pr = paired(label, anchor) if anchor else None
        pc = paired(label, anchor, cpu) if anchor else None
        p(f"| {what} | {server} | {fmt(m, 'ns')} | {fmt(cmed(label), 'ns')} | {fmt(ratio(m, native))} | "
          f"{fmt(pr) if anchor else ''} | {fmt(pc) if anchor else ''} | {anchor or ''} |")
    p("")
    p("read()/write() rows: time per single read() or write() (half a write+read pair). "
      "CPU per op: CPU time of the client and of every thread of its parent (the server: the "
      "supervisor, the bare server, umockdev-run; for rows without a server, the idle benchmark "
      "shell) over the timed loop, from schedstat: on a shared machine it leaves out the time "
      "other processes held the CPU. The anchor columns are medians over rounds of (row / anchor) "
      "within each round.\n")

    sr, sb = val.get("syscalls-run-flip"), val.get("syscalls-bare-flip")
    if sr or sb:
        p("| server | system calls per ioctl (perf tracepoint raw_syscalls:sys_enter, (N − 0) / N) |")
        p("|---|---:|")
        if sr:
            p(f"| `cusekit run` | {sr[0] / sr[1]:.2f} |")
        if sb:
            p(f"| bare notification server | {sb[0] / sb[1]:.2f} |")
        p("")

    p("| devices | `cusekit run` until PROGRAM runs | whole run (PROGRAM: sh) | last node seen | supervisor VmRSS | RSS per device vs 1 |")
    p("|---:|---:|---:|---:|---:|---:|")
    rss1 = val.get("run-scale-1-rss-kib", [None])[0]
    per_dev = None
    for N in (1, 1000):
        ms = val.get(f"run-scale-{N}-ms", [None])[0]
        if ms is None:
            continue
        rss = val[f"run-scale-{N}-rss-kib"][0]
        pd = (rss - rss1) / (N - 1) if N > 1 and rss1 else None
        if N == 1000:
            per_dev = pd
        p(f"| {N} | {ms:.0f} ms | {val[f'run-scale-{N}-total-ms'][0]:.0f} ms | "
          f"{'yes' if val[f'run-scale-{N}-present'][0] else 'no'} | {rss / 1024:.1f} MiB | "
          f"{f'{pd:.1f} KiB' if pd is not None else ''} |")
    p("")

    p("### Targets (`cusekit run`)\n")
    p("| target | time (median of same-round ratios) | | CPU (likewise) | |")
    p("|---|---:|---|---:|---|")

    def fr(x):
        return "—" if x is None else f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×"

    for a, b, limit, text in [("run-flip", "bare-flip", 1.3, "ioctl ≤ 1.3× the bare notification server"),
                              ("run-flip", "umockdev-hid16", 0.1, "ioctl ≤ 0.1× umockdev-run"),
                              ("run-getppid", "h-native-getppid", 1.25, "the filter adds ≤ 25 % to getppid()")]:
        t, c = paired(a, b), paired(a, b, cpu)
        p(f"| {text} | {fr(t)} | {verdict(t, limit)} | {fr(c)} | {verdict(c, limit)} |")
    ms1000 = val.get("run-scale-1000-ms", [None])[0]
    ok1000 = ms1000 if val.get("run-scale-1000-present", [0])[0] == 1 else None
    p(f"| 1000 devices: PROGRAM runs within 2 s (cusekitd's target) | {fmt(ms1000)} ms | {verdict(ok1000, 2000)} | | |")
    p(f"| ≤ 16 KiB RSS per device (cusekitd's target) | {fmt(per_dev)} KiB | {verdict(per_dev, 16)} | | |")
    p("")


if have_vm or have_pipeline:
    vm_tables()
if have_run:
    run_tables()
for note in notes:
    p(f"- {note}")
print("\n".join(out))
