#!/usr/bin/env bash
# Benchmark of `tokenwise history` against `git log -p --all | rg -c 'dbt[cu]_'` on the same
# generated repository (10,000 commits, 50,000 blob versions by default), as a ratio.
#
#   bench/history.sh [COMMITS [FILES_PER_COMMIT]]
#
# Needs git, python3 and ripgrep; uses hyperfine when installed, else a loop with `time`.
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
if command -v hyperfine >/dev/null; then
  hyperfine -i -w 1 -r 5 --export-json "$dir/history.json" "$baseline" "$ours" >/dev/null 2>&1
  python3 - "$dir/history.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1]))["results"]
print(f"git log -p | rg: {a['mean']:.2f} s ± {a['stddev']:.2f}")
print(f"tokenwise history: {b['mean']:.2f} s ± {b['stddev']:.2f}")
print(f"ratio: {b['mean'] / a['mean']:.2f}x")
PY
else
  t() { local s; s=$(date +%s.%N); bash -c "$1" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $s" | bc; }
  a=$(t "$baseline"); b=$(t "$ours")
  echo "git log -p | rg: $a s"; echo "tokenwise history: $b s"
  echo "ratio: $(echo "scale=2; $b / $a" | bc)x"
fi
echo "findings: $("$tw" history --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["summary"])')"
echo "git log -p | rg -c: $(git log -p --all | rg -c 'dbt[cu]_')"
