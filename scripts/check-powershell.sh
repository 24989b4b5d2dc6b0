#!/usr/bin/env bash
# Static checks of the runbook and the azd hooks (scripts/check-powershell.ps1: Windows PowerShell 5.1 compatibility
# and PSScriptAnalyzer-style rules, which stand in for PSScriptAnalyzer, not obtainable here), under the pinned pwsh
# (scripts/powershell-tools.sh; install it with scripts/install-powershell.sh). Arguments go to check-powershell.ps1.
# Exit 0 when nothing was found, 1 when something was. Without pwsh: under CI=true exit 1 with the reason; elsewhere
# one loud "SKIPPED: ..." line with the install command and exit 0. POWERSHELL_TOOLS_DIR points at another tools dir.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=scripts/powershell-tools.sh
. scripts/powershell-tools.sh

ps_require_pwsh "PowerShell static checks"
exec "$PWSH" -NoLogo -NoProfile -NonInteractive -File scripts/check-powershell.ps1 "$@"
