#!/usr/bin/env bash
# Runs the action's check: the markdown inventory into the job summary, a SARIF report for code
# scanning when asked, then `tokenwise check` in the chosen format, whose exit code is the step's.
# Runs outside GitHub with the variables the runner sets: GITHUB_WORKSPACE, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY, RUNNER_TEMP; the inputs come as TOKENWISE_* variables.
set -euo pipefail
bin="${TOKENWISE_BIN:-tokenwise}"
cd "${GITHUB_WORKSPACE:-.}"
read -r -a paths <<< "${TOKENWISE_PATHS:-.}"
args=(--fail-on "${TOKENWISE_FAIL_ON:-warning}")
if [ -n "${TOKENWISE_DIFF_BASE:-}" ]; then
  args+=(--diff-base "$TOKENWISE_DIFF_BASE")
fi
if [ "${TOKENWISE_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "## tokenwise: dbt Cloud token inventory"
    echo
    "$bin" inventory --format markdown -- "${paths[@]}"
  } >> "$GITHUB_STEP_SUMMARY"
fi
if [ "${TOKENWISE_UPLOAD_SARIF:-false}" = true ]; then
  sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tokenwise.sarif"
  "$bin" check "${args[@]}" --exit-zero --format sarif --output "$sarif" -- "${paths[@]}"
  echo "sarif-file=$sarif" >> "${GITHUB_OUTPUT:?the step output file}"
fi
exec "$bin" check "${args[@]}" --format "${TOKENWISE_FORMAT:-github}" -- "${paths[@]}"
