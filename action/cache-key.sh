#!/usr/bin/env bash
# The cache key of the action's tokenwise build: the runner's OS and a hash of the sources it is
# built from, so a new version of the action builds once and then comes from the cache.
# Runs outside GitHub with the variables the runner sets: GITHUB_ACTION_PATH, GITHUB_OUTPUT,
# RUNNER_OS.
set -euo pipefail
cd "${GITHUB_ACTION_PATH:?the checkout of the action}"
hash=$(find Cargo.toml Cargo.lock src rules -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
echo "key=tokenwise-${RUNNER_OS:-$(uname -s)}-$hash" >> "${GITHUB_OUTPUT:?the step output file}"
