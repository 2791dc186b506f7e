#!/usr/bin/env bash
# Benchmark: tokenwise against ripgrep reading the same generated monorepo, as ratios.
#
#   bench/run.sh [FILES...]      default: 20000 100000
#
# Needs hyperfine and ripgrep (Debian: apt-get install hyperfine ripgrep); generates the trees
# with ../shared/bench/gen_tree.py (or $GEN_TREE) under $BENCH_DIR (default /tmp/tokenwise-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
gen=${GEN_TREE:-$root/../shared/bench/gen_tree.py}
dir=${BENCH_DIR:-/tmp/tokenwise-bench}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 100000)

for tool in hyperfine rg python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install hyperfine ripgrep)" >&2; exit 2; }
done
cargo build --release --quiet
tw=$root/target/release/tokenwise
mkdir -p "$dir"

ratio() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['results']; print(f\"{d[1]['mean']*1000:.1f} ms vs {d[0]['mean']*1000:.1f} ms: ratio {d[1]['mean']/d[0]['mean']:.2f}x\")" "$1"; }

for n in "${sizes[@]}"; do
  tree=$dir/t$n
  [ -d "$tree" ] || python3 "$gen" "$tree" --files "$n" >/dev/null
  echo "== $n files ($(du -sh "$tree" | cut -f1))"
  (cd "$tree" && hyperfine -N -i -w 2 -r 10 --export-json "$dir/full-$n.json" \
     "rg --hidden -l 'dbtu_|dbtc_|dbtcloud|getdbt|DBT_' ." \
     "$tw check --format json ." >/dev/null 2>&1)
  echo "full scan: tokenwise $(ratio "$dir/full-$n.json") of ripgrep"
  rss=$(cd "$tree" && { /usr/bin/time -f '%M' "$tw" check --format json . 2>&1 >/dev/null || true; } | tail -1)
  echo "peak RSS: $((rss / 1024)) MiB"
  # A pre-commit call: ten files, half of them touching dbt Cloud.
  mapfile -t files < <(cd "$tree" && { git ls-files -o --exclude-standard | grep -E 'dbt_cloud|dbt_' | head -5; git ls-files -o --exclude-standard | grep -vE 'dbt' | head -5; })
  (cd "$tree" && hyperfine -N -i -w 5 -r 50 --export-json "$dir/pre-$n.json" \
     "rg --hidden -l 'dbtu_|dbtc_|dbtcloud|getdbt|DBT_' ${files[*]}" \
     "$tw check --format concise ${files[*]}" >/dev/null 2>&1)
  echo "pre-commit (10 files): tokenwise $(ratio "$dir/pre-$n.json") of ripgrep"
done
