#!/usr/bin/env bash
# Runs the runbook's Pester tests (infra/runbooks/tests). Without pwsh or Pester 5 it prints one
# "SKIPPED: <reason>" line and exits 0; otherwise it exits non-zero when a test fails.
# Install the tools first with scripts/install-powershell.sh.
set -u
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
PWSH=""
if command -v pwsh >/dev/null 2>&1; then PWSH="$(command -v pwsh)"; elif [ -x "$TOOLS/pwsh/pwsh" ]; then PWSH="$TOOLS/pwsh/pwsh"; fi
if [ -z "$PWSH" ]; then
    echo "SKIPPED: Pester tests of infra/runbooks (pwsh is not installed; see scripts/install-powershell.sh)"
    exit 0
fi
export PSModulePath="$TOOLS/Modules:${PSModulePath:-}"
if ! "$PWSH" -NoLogo -NoProfile -Command 'if (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]"5.0.0" }) { exit 0 } else { exit 1 }'; then
    echo "SKIPPED: Pester tests of infra/runbooks (Pester 5 is not installed; see scripts/install-powershell.sh)"
    exit 0
fi
exec "$PWSH" -NoLogo -NoProfile -Command '
    Import-Module Pester -MinimumVersion 5.0.0
    $config = New-PesterConfiguration
    $config.Run.Path = "infra/runbooks/tests"
    $config.Run.Exit = $true
    $config.Output.Verbosity = "Detailed"
    Invoke-Pester -Configuration $config'
