# Sourced (not run) by scripts/install-powershell.sh, scripts/run-pester.sh and scripts/check-powershell.sh:
# the one place that pins the PowerShell and Pester versions and says where they live.
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
