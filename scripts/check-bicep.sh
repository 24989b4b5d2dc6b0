#!/usr/bin/env bash
# Compiles infra/main.bicep to ARM JSON and lints every Bicep file with the rules in infra/bicepconfig.json.
# The bar is 0 errors and 0 warnings: a warning (an outdated API version, a value the type checker cannot prove
# in range) fails this script exactly as an error does, so the template azd deploys is the one the linter passed.
# The CLI is the one scripts/install-bicep.sh pins (.tools/bicep/bicep), else a `bicep` on PATH.
# Without a CLI: under CI=true this fails with the reason (a check that skips in CI proves nothing); on a person's
# machine it prints a loud SKIPPED with the install command and exits 0.
#   BICEP_OUT=<dir>   where main.json is written (default: a temporary directory, removed afterwards)
set -u
cd "$(dirname "$0")/.."

in_ci() { case "${CI:-}" in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;; *) return 1 ;; esac; }
pinned="$(sed -n 's/^version="${BICEP_VERSION:-\([0-9.]*\)}"$/\1/p' scripts/install-bicep.sh)"

bicep=""
if [ -x .tools/bicep/bicep ]; then bicep=".tools/bicep/bicep"; elif command -v bicep >/dev/null 2>&1; then bicep="bicep"; fi
if [ -z "$bicep" ]; then
    reason="$(cat .tools/bicep/UNAVAILABLE 2>/dev/null || echo 'scripts/install-bicep.sh has not run')"
    if in_ci; then
        echo "bicep build/lint: FAILED: CI=true and the Bicep CLI is not available ($reason)" >&2
        exit 1
    fi
    echo "################################################################################"
    echo "bicep build/lint: SKIPPED (not in CI; under CI=true this fails): Bicep CLI not available ($reason)"
    echo "install it with: bash scripts/install-bicep.sh"
    echo "################################################################################"
    exit 0
fi

version="$("$bicep" --version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
if [ "$version" != "$pinned" ]; then
    # The linter's findings depend on the CLI version (its API-version table, its rules), so CI judges the pinned one.
    if in_ci; then
        echo "bicep build/lint: FAILED: CI=true needs Bicep CLI $pinned (scripts/install-bicep.sh), found $bicep $version" >&2
        exit 1
    fi
    echo "bicep: WARNING: $bicep is $version, the project pins $pinned (bash scripts/install-bicep.sh); results may differ"
fi

out="${BICEP_OUT:-$(mktemp -d)}"
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"; [ -n "${BICEP_OUT:-}" ] || rm -rf "$out"' EXIT

status=0
echo "bicep build infra/main.bicep (Bicep CLI $version)"
"$bicep" build infra/main.bicep --outfile "$out/main.json" >>"$log" 2>&1 || status=1
for file in $(find infra -name '*.bicep' | sort); do
    echo "bicep lint $file"
    "$bicep" lint "$file" >>"$log" 2>&1 || status=1
done
# build and lint report a module's findings through every file that uses it: count each finding once.
findings="$(grep -E ' : (Error|Warning) ' "$log" | sort -u)"
errors="$(printf '%s\n' "$findings" | grep -c ' : Error ')"
warnings="$(printf '%s\n' "$findings" | grep -c ' : Warning ')"
[ -n "$findings" ] && printf '%s\n' "$findings"
if [ "$status" -ne 0 ] && [ "$errors" -eq 0 ]; then
    # The CLI failed without a diagnostic line (a crash, a missing file): show what it said.
    cat "$log"
fi
if [ "$status" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ]; then
    echo "bicep build/lint: OK, 0 errors, 0 warnings${BICEP_OUT:+ ($out/main.json)}"
    exit 0
fi
echo "bicep build/lint: FAILED, $errors errors, $warnings warnings (the bar is 0 and 0)"
exit 1
