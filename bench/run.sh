#!/usr/bin/env bash
# Benchmark: tokenwise against ripgrep reading the same generated trees, as ratios measured in
# the same run (alternating runs, medians), with the peak RSS of each.
#
#   bench/run.sh [FILES...]      default: 20000 100000
#
# Both profiles of ../shared/bench/gen_tree.py (or $GEN_TREE): `monorepo` (about 2% of the files
# mention dbt) and `dbt-project` (nearly every file does, without holding a token), each with
# seed 42, under $BENCH_DIR (default /tmp/tokenwise-bench). $PROFILES picks profiles, $RUNS the
# number of alternating runs (default 5), $TOKENWISE another binary (default: a release build of
# this checkout), $BENCH_JSON a file to append the figures to. Needs ripgrep, GNU time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
gen=${GEN_TREE:-$root/../shared/bench/gen_tree.py}
dir=${BENCH_DIR:-/tmp/tokenwise-bench}
runs=${RUNS:-5}
profiles=(${PROFILES:-monorepo dbt-project})
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 100000)

for tool in rg python3 git /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install ripgrep time)" >&2; exit 2; }
done
if [ -z "${TOKENWISE:-}" ]; then
  cargo build --release --quiet
  TOKENWISE=$root/target/release/tokenwise
fi
tw=$(readlink -f "$TOKENWISE")
compare="python3 $root/bench/compare.py"
mkdir -p "$dir"
rg=(rg --hidden -g '!.git' -l 'dbtu_|dbtc_|dbtcloud|getdbt|DBT_')

for profile in "${profiles[@]}"; do
  for n in "${sizes[@]}"; do
    tree=$dir/$profile-$n
    [ -d "$tree" ] || python3 "$gen" "$tree" --files "$n" --profile "$profile" --seed 42 >/dev/null
    echo "== $profile, $n files ($(du -sh "$tree" | cut -f1)); tokenwise vs ripgrep"
    $compare "$tree" "$runs" 1 "full scan" -- "${rg[@]}" . -- "$tw" check --format json .
    # A pre-commit call: ten files, half of them touching dbt Cloud.
    mapfile -t files < <(cd "$tree" && { git ls-files -o --exclude-standard | sort | grep -E 'dbt_cloud|dbt_' | head -5
                                          git ls-files -o --exclude-standard | sort | grep -vE 'dbt' | head -5; })
    $compare "$tree" "$((runs * 4))" 3 "pre-commit (10 files)" -- "${rg[@]}" "${files[@]}" -- "$tw" check --format concise "${files[@]}"
  done
done
