#!/usr/bin/env bash
# Benchmark of `tokenwise history` against `git log -p --all | rg -c 'dbt[cu]_'` on the same
# generated repository (10,000 commits, 50,000 blob versions by default), as a ratio.
#
#   bench/history.sh [COMMITS [FILES_PER_COMMIT]]
#
# Needs git, python3 and ripgrep (apt-get install ripgrep). RUNS=N sets the runs of each (3).
# The repository is generated with `git fast-import` under $BENCH_DIR (default
# /tmp/tokenwise-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${BENCH_DIR:-/tmp/tokenwise-bench}
commits=${1:-10000}
per=${2:-5}
for tool in git rg python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install git ripgrep python3)" >&2; exit 2; }
done
cargo build --release --quiet
tw=$root/target/release/tokenwise
repo=$dir/history-$commits-$per
if [ ! -d "$repo/.git" ]; then
  rm -rf "$repo"
  mkdir -p "$repo"
  git -C "$repo" init --quiet -b main
  python3 "$root/bench/gen_history.py" --commits "$commits" --files-per-commit "$per" |
    git -C "$repo" fast-import --quiet
  # A real clone is packed: one pack, deltas against neighbouring versions.
  git -C "$repo" repack -adq
fi
blobs=$(git -C "$repo" rev-list --objects --all | cut -d' ' -f1 | git -C "$repo" cat-file --batch-check='%(objecttype)' | grep -c blob || true)
echo "== $commits commits, $blobs blob versions ($(du -sh "$repo/.git" | cut -f1) packed)"
baseline="git log -p --all | rg -c 'dbt[cu]_'"
ours="$tw history --format json >/dev/null"
cd "$repo"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# Alternating runs (so a burst of load from elsewhere hits both), median wall time, and the CPU
# time (user + system of the whole pipeline), which other load disturbs less.
python3 - "$baseline" "$ours" "${RUNS:-3}" <<'PY'
import resource, statistics, subprocess, sys, time
baseline, ours, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def once(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
times = {baseline: [], ours: []}
for _ in range(runs):
    for cmd in (baseline, ours):
        times[cmd].append(once(cmd))
for name, cmd in (("git log -p | rg", baseline), ("tokenwise history", ours)):
    walls = [w for w, _ in times[cmd]]
    cpus = [c for _, c in times[cmd]]
    print(f"{name}: {statistics.median(walls):.2f} s wall (median of {runs}: {', '.join(f'{w:.2f}' for w in walls)}), {statistics.median(cpus):.2f} s CPU")
b = statistics.median(w for w, _ in times[baseline])
o = statistics.median(w for w, _ in times[ours])
print(f"ratio: {o / b:.2f}x wall")
PY
echo "findings: $("$tw" history --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["summary"])')"
echo "git log -p | rg -c: $(git log -p --all | rg -c 'dbt[cu]_')"
