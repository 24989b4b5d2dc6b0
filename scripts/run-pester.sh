#!/usr/bin/env bash
# Runs Pester tests under the pinned pwsh and exactly the pinned Pester (scripts/powershell-tools.sh; install both
# with scripts/install-powershell.sh): the test files or folders given as arguments (paths from the repository
# root), by default the runbook's (infra/runbooks/tests).
#   bash scripts/run-pester.sh                      # infra/runbooks/tests
#   bash scripts/run-pester.sh powershell/tests     # the PowerShell module's suites (test/powershell/*.test.ts
#                                                   # starts the local hosts they need and runs this)
#
# Exit 0 only when every discovered test passed: a failed, skipped, inconclusive or not-run test, or a test file
# that failed to load, exits 1. The last line of stdout is machine-readable, for test/infra/runbook.pester.test.ts
# and test/powershell/*.pester.test.ts:
#   PESTER-RESULT {"pesterVersion":"5.7.1","pwshVersion":"7.6.9","total":N,"passed":N,"failed":N,"skipped":N,...}
# With PESTER_JUNIT_FILE=<path> it also writes Pester's JUnit XML report there.
#
# Without pwsh or Pester: under CI=true it exits 1 with the reason (a suite that cannot run in CI must fail it);
# elsewhere it prints one loud "SKIPPED: ..." line with the install command and exits 0.
# POWERSHELL_TOOLS_DIR points it at another tools directory (tests use an empty one to show the missing-tool paths).
set -u
cd "$(dirname "$0")/.."
# shellcheck source=scripts/powershell-tools.sh
. scripts/powershell-tools.sh

if [ "$#" -eq 0 ]; then
    set -- infra/runbooks/tests
    check="Pester tests of infra/runbooks"
else
    check="Pester tests of $*"
fi
for path in "$@"; do
    [ -e "$path" ] || { echo "ERROR: no such test path: $path" >&2; exit 2; }
done
ps_require_pwsh "$check"
[ -f "$PESTER_MANIFEST" ] || ps_missing "$check" "Pester $PESTER_VERSION is not installed at $(dirname "$PESTER_MANIFEST")"

export PSModulePath="$PS_MODULES_DIR${PSModulePath:+:$PSModulePath}"
export PESTER_VERSION PESTER_JUNIT_FILE="${PESTER_JUNIT_FILE:-}"
# One path per line: pwsh splits them back (paths with spaces stay whole).
PESTER_PATHS="$(printf '%s\n' "$@")"
export PESTER_PATHS
exec "$PWSH" -NoLogo -NoProfile -NonInteractive -Command '
    $ErrorActionPreference = "Stop"
    Import-Module Pester -RequiredVersion $env:PESTER_VERSION
    $config = New-PesterConfiguration
    $config.Run.Path = @($env:PESTER_PATHS -split "`n" | Where-Object { $_ -ne "" })
    $config.Run.PassThru = $true
    $config.Output.Verbosity = "Detailed"
    if ($env:PESTER_JUNIT_FILE) {
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputFormat = "JUnitXml"
        $config.TestResult.OutputPath = $env:PESTER_JUNIT_FILE
    }
    $run = Invoke-Pester -Configuration $config
    $summary = [ordered]@{
        pesterVersion    = (Get-Module Pester).Version.ToString()
        pwshVersion      = $PSVersionTable.PSVersion.ToString()
        result           = $run.Result
        total            = $run.TotalCount
        passed           = $run.PassedCount
        failed           = $run.FailedCount
        skipped          = $run.SkippedCount
        inconclusive     = $run.InconclusiveCount
        notRun           = $run.NotRunCount
        failedContainers = $run.FailedContainersCount
    }
    "PESTER-RESULT " + ($summary | ConvertTo-Json -Compress)
    $allPassed = $run.Result -eq "Passed" -and $run.TotalCount -gt 0 -and $run.PassedCount -eq $run.TotalCount -and $run.FailedContainersCount -eq 0
    if ($allPassed) { exit 0 } else { exit 1 }'
