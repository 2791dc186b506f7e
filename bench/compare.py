#!/usr/bin/env python3
"""Run two commands alternately in one folder and compare them: median wall time, median CPU
time (user + system) and peak RSS of each, and the ratios of the second to the first.

usage: compare.py DIR RUNS WARMUP LABEL -- CMD_A... -- CMD_B...

Alternating the runs (A, B, A, B, ...) makes both commands see the same load, so the ratio
holds on a busy machine where absolute times do not. Peak RSS is what GNU time
(/usr/bin/time) reports for each command. Prints one line; with $BENCH_JSON set, appends the figures to
that file as one JSON object per line.
"""
import json, os, statistics, subprocess, sys, tempfile, time


def run(cmd, cwd):
    # GNU time reports the command's own peak RSS: a child forked from this Python process
    # would count the interpreter's memory until its exec.
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M %x", "-o", rss.name] + cmd, cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        peak, code = (int(x) for x in rss.read().split()[-2:])
    # 0 and 1 (findings, or no match for rg) are both normal ends.
    if code not in (0, 1):
        sys.exit(f"compare: `{' '.join(cmd)}` exited with {code}")
    # The CPU time of `time` includes the command it waited for.
    return wall, usage.ru_utime + usage.ru_stime, peak  # KiB


def main():
    args = sys.argv[1:]
    cwd, runs, warmup, label = args[0], int(args[1]), int(args[2]), args[3]
    rest = args[5:]
    sep = rest.index("--")
    a, b = rest[:sep], rest[sep + 1:]
    for _ in range(warmup):
        run(a, cwd)
        run(b, cwd)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(run(a, cwd))
        rb.append(run(b, cwd))
    med = lambda rs, i: statistics.median(r[i] for r in rs)
    out = {
        "label": label,
        "runs": runs,
        "a_wall": med(ra, 0), "b_wall": med(rb, 0),
        "a_cpu": med(ra, 1), "b_cpu": med(rb, 1),
        "a_rss_kib": max(r[2] for r in ra), "b_rss_kib": max(r[2] for r in rb),
        # The median of the per-pair ratios: each pair ran under the same load.
        "wall_ratio": statistics.median(y[0] / x[0] for x, y in zip(ra, rb)),
        "cpu_ratio": statistics.median(y[1] / max(x[1], 1e-6) for x, y in zip(ra, rb)),
    }
    print(f"{label}: wall {out['b_wall'] * 1000:.0f} ms vs {out['a_wall'] * 1000:.0f} ms = {out['wall_ratio']:.2f}x, "
          f"cpu {out['b_cpu'] * 1000:.0f} ms vs {out['a_cpu'] * 1000:.0f} ms = {out['cpu_ratio']:.2f}x, "
          f"peak RSS {out['b_rss_kib'] / 1024:.1f} MiB vs {out['a_rss_kib'] / 1024:.1f} MiB ({runs} alternating runs, medians)")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "a") as f:
            f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
