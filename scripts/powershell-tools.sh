# Sourced (not run) by scripts/install-powershell.sh, scripts/run-pester.sh and scripts/check-powershell.sh:
# the one place that pins the PowerShell and Pester versions, says where they live, and says what a check does
# when they are missing.
#
# PowerShell 7.6.9 is the dotnet tool "PowerShell" from NuGet. Pester 5.7.1 is the NuGet package "Pester":
# the runbook's tests are written in Pester 5 syntax, and 5.7.1 is the newest 5.x the feed serves; Pester 6
# (6.2.0, what an unpinned `dotnet add package Pester` takes) is a new major with its own breaking changes, and
# moving to it is a deliberate change of its own, not something a restore should do behind our back.
# Paths are under POWERSHELL_TOOLS_DIR (default: <repo>/.tools, gitignored); tests point it at an empty
# directory to show what the scripts do when the tools are missing.
PWSH_VERSION="7.6.9"
PESTER_VERSION="5.7.1"
PS_TOOLS_DIR="${POWERSHELL_TOOLS_DIR:-$PWD/.tools}"
PWSH="$PS_TOOLS_DIR/pwsh/pwsh"
PS_MODULES_DIR="$PS_TOOLS_DIR/Modules"
PESTER_MANIFEST="$PS_MODULES_DIR/Pester/$PESTER_VERSION/Pester.psd1"
PS_INSTALL_COMMAND="bash scripts/install-powershell.sh"

# True when CI is set to 1/true/yes, as test/support/requiredTool.ts reads it.
ps_in_ci() {
    case "${CI:-}" in
        1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;;
        *) return 1 ;;
    esac
}

# Prints the version of the pinned pwsh, or fails when it is absent or does not run.
ps_pwsh_version() {
    [ -x "$PWSH" ] || return 1
    "$PWSH" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null
}

# ps_missing CHECK REASON: a check that cannot run. Under CI=true it fails (exit 1, the reason on stderr: a check
# that cannot run in CI must fail the run); elsewhere one loud "SKIPPED: ..." line with the install command, exit 0.
ps_missing() {
    if ps_in_ci; then
        echo "ERROR: $1 cannot run: $2 (CI=true: a missing tool fails the run); install with: $PS_INSTALL_COMMAND" >&2
        exit 1
    fi
    echo "SKIPPED: $1 ($2; install with: $PS_INSTALL_COMMAND)"
    exit 0
}

# ps_require_pwsh CHECK: returns when the pinned pwsh runs; otherwise ps_missing ends the script.
ps_require_pwsh() {
    local got
    got="$(ps_pwsh_version || true)"
    [ -n "$got" ] || ps_missing "$1" "pwsh $PWSH_VERSION is not installed at $PWSH"
    [ "$got" = "$PWSH_VERSION" ] || ps_missing "$1" "pwsh at $PWSH is $got, not the pinned $PWSH_VERSION"
}
