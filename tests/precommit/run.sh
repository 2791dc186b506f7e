#!/usr/bin/env bash
# The pre-commit hook end to end: a throwaway git repository runs this repository's hook
# definition (.pre-commit-hooks.yaml) against the built binary, and must fail on a PAT in a
# production workflow, pass on a service token, and skip files the config excludes.
# Standalone: `bash tests/precommit/run.sh` (installs pre-commit into target/precommit-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
VENV="$ROOT/target/precommit-venv"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/tokenwise"
passed=0
failed=0

say() { printf '%s\n' "$*"; }
ok() { say "  ok: $1"; passed=$((passed + 1)); }
bad() { say "  FAILED: $1"; failed=$((failed + 1)); }

say "== building tokenwise"
cargo build --quiet --bin tokenwise
if [ ! -x "$BIN" ]; then
    say "FAILED: no binary at $BIN after the build"
    exit 1
fi

if [ ! -x "$VENV/bin/pre-commit" ]; then
    say "== installing pre-commit into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
fi
PRE_COMMIT="$VENV/bin/pre-commit"
say "== $("$PRE_COMMIT" --version)"

if "$PRE_COMMIT" validate-manifest .pre-commit-hooks.yaml; then
    ok ".pre-commit-hooks.yaml is a valid hook manifest"
else
    bad ".pre-commit-hooks.yaml is not a valid hook manifest"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tokenwise-precommit.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME="$WORK/cache"
REPO="$WORK/repo"
mkdir -p "$REPO"
git -C "$REPO" -c init.defaultBranch=main init --quiet

# The hook as published, run as a local `system` hook on the built binary: same id, files,
# types and arguments, no toolchain download.
"$VENV/bin/python" - "$ROOT/.pre-commit-hooks.yaml" "$BIN" "$REPO/.pre-commit-config.yaml" <<'PY'
import sys, yaml
manifest, binary, out = sys.argv[1:]
hook = yaml.safe_load(open(manifest))[0]
assert hook["entry"].startswith("tokenwise "), hook["entry"]
hook["entry"] = binary + hook["entry"][len("tokenwise"):]
hook["language"] = "system"
yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, open(out, "w"), sort_keys=False)
PY
say "== .pre-commit-config.yaml"
sed 's/^/   | /' "$REPO/.pre-commit-config.yaml"

mkdir -p "$REPO/.github/workflows"
workflow() {
    cat > "$REPO/.github/workflows/deploy.yml" <<YAML
name: Deploy dbt
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      DBT_CLOUD_API_TOKEN: \${{ secrets.$1 }}
    steps:
      - name: Run the production job
        run: |
          curl -sf -X POST -H "Authorization: Token \$DBT_CLOUD_API_TOKEN" \\
            https://ab123.us1.dbt.com/api/v2/accounts/1/jobs/2/run/
YAML
}

run_hook() {
    git -C "$REPO" add -A
    run_staged
}

# The hook on what is staged now, without staging the work tree first.
run_staged() {
    set +e
    (cd "$REPO" && "$PRE_COMMIT" run --all-files --color never) > "$WORK/out.txt" 2>&1
    status=$?
    set -e
    sed 's/^/   | /' "$WORK/out.txt"
    return $status
}

say "== a PAT in a push-to-main deploy must fail the hook"
workflow DBT_CLOUD_PAT
if run_hook; then
    bad "the hook passed on a PAT in production"
elif grep -q "TW101" "$WORK/out.txt"; then
    ok "the hook failed with TW101"
else
    bad "the hook failed without TW101"
fi

say "== a service token must pass"
workflow DBT_CLOUD_SERVICE_TOKEN
if run_hook; then ok "the hook passed"; else bad "the hook failed on a service token"; fi

say "== a PAT staged and then fixed only in the work tree must fail: the commit would hold it"
workflow DBT_CLOUD_PAT
git -C "$REPO" add -A
workflow DBT_CLOUD_SERVICE_TOKEN
if run_staged; then
    bad "the hook judged the work tree, not the staged content"
elif grep -q "TW101" "$WORK/out.txt"; then
    ok "the hook failed with TW101 on the staged content"
else
    bad "the hook failed without TW101"
fi
git -C "$REPO" add -A

say "== a file the config excludes passes, though pre-commit names it"
mkdir -p "$REPO/vendor/examples"
cp "$REPO/.github/workflows/deploy.yml" "$REPO/vendor/examples/deploy.yml"
sed -i 's/DBT_CLOUD_SERVICE_TOKEN/DBT_CLOUD_PAT/' "$REPO/vendor/examples/deploy.yml"
mkdir -p "$REPO/vendor/examples/.github/workflows"
mv "$REPO/vendor/examples/deploy.yml" "$REPO/vendor/examples/.github/workflows/deploy.yml"
printf 'exclude:\n  - vendor\n' > "$REPO/.tokenwise.yml"
if run_hook; then ok "the excluded PAT workflow was skipped"; else bad "the hook judged an excluded file"; fi
rm "$REPO/.tokenwise.yml"
if run_hook; then
    bad "without the exclude the vendored PAT workflow should fail"
elif grep -q "vendor/examples/.github/workflows/deploy.yml.*TW101" "$WORK/out.txt"; then
    ok "without the exclude the vendored PAT workflow fails with TW101"
else
    bad "the hook failed, but not with TW101 on the vendored workflow"
fi

say "precommit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
