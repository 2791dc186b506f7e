#!/usr/bin/env bash
# Installs tokenwise from the action's own checkout into TOKENWISE_ROOT/bin (kept by the cache
# step), unless the cache restored it, and puts it on the PATH of the later steps.
# Runs outside GitHub with the variables the runner sets: GITHUB_ACTION_PATH, GITHUB_PATH.
set -euo pipefail
root="${TOKENWISE_ROOT:?where to install}"
if [ ! -x "$root/bin/tokenwise" ]; then
  cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?the checkout of the action}" --root "$root"
fi
"$root/bin/tokenwise" --version
echo "$root/bin" >> "${GITHUB_PATH:?the path file}"
