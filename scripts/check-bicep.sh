#!/usr/bin/env bash
# Compiles infra/main.bicep to ARM JSON and lints every Bicep file with the rules in infra/bicepconfig.json.
# Fails on any error (warnings are printed). Without the Bicep CLI (scripts/install-bicep.sh, or `bicep` on PATH)
# it prints SKIPPED with the reason and exits 0; the structural tests in test/infra still run.
#   BICEP_OUT=<dir>   where main.json is written (default: a temporary directory)
set -u
cd "$(dirname "$0")/.."

bicep=""
if [ -x .tools/bicep/bicep ]; then bicep=".tools/bicep/bicep"; elif command -v bicep >/dev/null 2>&1; then bicep="bicep"; fi
if [ -z "$bicep" ]; then
    reason="$(cat .tools/bicep/UNAVAILABLE 2>/dev/null || echo 'run scripts/install-bicep.sh')"
    echo "bicep build/lint: SKIPPED: Bicep CLI not available ($reason)"
    exit 0
fi

out="${BICEP_OUT:-$(mktemp -d)}"
mkdir -p "$out"
status=0
echo "bicep build infra/main.bicep ($("$bicep" --version))"
"$bicep" build infra/main.bicep --outfile "$out/main.json" || status=1
for file in $(find infra -name '*.bicep' | sort); do
    echo "bicep lint $file"
    "$bicep" lint "$file" || status=1
done
[ "$status" -eq 0 ] && echo "bicep build/lint: OK ($out/main.json)" || echo "bicep build/lint: FAILED"
exit "$status"
