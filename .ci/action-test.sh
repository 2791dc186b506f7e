#!/usr/bin/env bash
# Runs the GitHub Action's scripts (action/*.sh) outside GitHub, with the environment variables
# the runner would set, on a copy of the demo repository; fails on any difference from what the
# action promises.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "action test: $*" >&2; exit 1; }

export GITHUB_ACTION_PATH="$repo" RUNNER_OS=Linux RUNNER_TEMP="$tmp/runner-temp"
export GITHUB_OUTPUT="$tmp/output" GITHUB_PATH="$tmp/path" GITHUB_STEP_SUMMARY="$tmp/summary"
mkdir -p "$RUNNER_TEMP"
: > "$GITHUB_OUTPUT"; : > "$GITHUB_PATH"; : > "$GITHUB_STEP_SUMMARY"

# The cache key: stable, and made of the sources.
bash action/cache-key.sh
bash action/cache-key.sh
key=$(sed -n 's/^key=//p' "$GITHUB_OUTPUT" | sort -u)
[ "$(echo "$key" | wc -l)" -eq 1 ] && [[ "$key" == tokenwise-Linux-* ]] || fail "cache key: $key"

# Install (the build reuses this checkout's release artifacts), then a second run is a cache hit.
CARGO_TARGET_DIR="$repo/target" TOKENWISE_ROOT="$tmp/tool" bash action/install.sh
[ -x "$tmp/tool/bin/tokenwise" ] && grep -qx "$tmp/tool/bin" "$GITHUB_PATH" || fail "install"
touch "$tmp/tool/bin/stamp"
TOKENWISE_ROOT="$tmp/tool" PATH="/nonexistent" /bin/bash action/install.sh >/dev/null 2>&1 \
  || fail "a cached install must not need cargo"
export PATH="$tmp/tool/bin:$PATH"

# The check on the demo repository: annotations, the summary, SARIF, and exit code 1.
cp -r fixtures/demo "$tmp/workspace"
export GITHUB_WORKSPACE="$tmp/workspace"
status=0
TOKENWISE_UPLOAD_SARIF=true bash action/check.sh > "$tmp/annotations" || status=$?
[ "$status" -eq 1 ] || fail "check exits $status on the demo, not 1"
grep -q '^::error file=.github/workflows/dbt-deploy.yml,line=13' "$tmp/annotations" || fail "annotations: $(cat "$tmp/annotations")"
grep -q '| workflow | personal | service | unknown | total |' "$GITHUB_STEP_SUMMARY" || fail "summary: $(cat "$GITHUB_STEP_SUMMARY")"
sarif=$(sed -n 's/^sarif-file=//p' "$GITHUB_OUTPUT")
[ -f "$sarif" ] && grep -q '"ruleId": "TW101"' "$sarif" || fail "SARIF: $sarif"

# Inputs: paths, format, fail-on; no SARIF and no summary when not asked.
: > "$GITHUB_OUTPUT"; : > "$GITHUB_STEP_SUMMARY"
TOKENWISE_PATHS="infra scripts" TOKENWISE_FORMAT=concise TOKENWISE_FAIL_ON=never TOKENWISE_SUMMARY=false \
  bash action/check.sh > "$tmp/concise" || fail "fail-on never must exit 0"
grep -q '^infra/prod/dbt_cloud.tf:30:22: TW301' "$tmp/concise" || fail "paths/format: $(cat "$tmp/concise")"
! grep -q 'dbt-deploy' "$tmp/concise" || fail "only the paths given are checked"
[ ! -s "$GITHUB_OUTPUT" ] && [ ! -s "$GITHUB_STEP_SUMMARY" ] || fail "nothing written when not asked"

# diff-base is passed through as --diff-base (a stand-in binary records the arguments).
printf '#!/bin/sh\necho "$@" >> "%s/args"\n' "$tmp" > "$tmp/fake"
chmod +x "$tmp/fake"
TOKENWISE_BIN="$tmp/fake" TOKENWISE_DIFF_BASE=origin/main TOKENWISE_SUMMARY=false bash action/check.sh
grep -qx 'check --fail-on warning --diff-base origin/main --format github -- .' "$tmp/args" || fail "diff-base: $(cat "$tmp/args")"
echo "action scripts: ok"
