#!/usr/bin/env bash
# Absolute timings of hostile inputs: the files a robustness audit found quadratic or slow,
# at the audit's sizes (scale 1) and at a quarter of them, so each line shows the cost and how
# it grows (about 4× for 4× the input; a quadratic path shows 16×).
#
#   bench/hostile.sh [CASE...]      default: every case of bench/gen_hostile.py
#
# Needs python3. Tests never assert these times (tests/scaling.rs compares sizes instead).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${BENCH_DIR:-/tmp/tokenwise-bench}/hostile
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(script-names partner-json minified-line dotenv terraform kubernetes big-json alias-bomb repeated-lines)
command -v python3 >/dev/null || { echo "bench: python3 not found" >&2; exit 2; }
cargo build --release --quiet
tw=$root/target/release/tokenwise
mkdir -p "$dir"

seconds() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
cwd, args = sys.argv[1], sys.argv[2:]
best = None
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best or 1e9, time.perf_counter() - t)
print(f"{best:.2f}")
PY
}

for case in "${cases[@]}"; do
  for scale in 0.25 1; do
    tree=$dir/$case-$scale
    [ -d "$tree" ] || python3 bench/gen_hostile.py "$tree" "$case" "$scale"
  done
  for args in "check --format concise" "check --format json" "check --format concise --max-file-size 20000000"; do
    a=$(seconds "$dir/$case-0.25" $tw $args .)
    b=$(seconds "$dir/$case-1" $tw $args .)
    ratio=$(python3 -c "print(f'{$b / max($a, 0.005):.1f}')")
    printf '%-16s %-48s %7ss at 1/4 size %7ss at full size  (%sx)\n' "$case" "$args" "$a" "$b" "$ratio"
  done
done
