#!/usr/bin/env bash
# Installs the pinned PowerShell and Pester for the runbook's tests and static checks (versions and paths:
# scripts/powershell-tools.sh), each through its ordinary client:
#   pwsh 7.6.9:   `dotnet tool install PowerShell --version 7.6.9 --tool-path .tools/pwsh` (NuGet)
#   Pester 5.7.1: the NuGet package "Pester", fetched at exactly [5.7.1] (scripts/nuget-download.sh: never an
#                 unpinned `dotnet add package`, which takes whatever is newest), and its tools/
#                 folder copied to .tools/Modules/Pester/5.7.1, the layout `Import-Module -RequiredVersion` finds.
# Idempotent: tools already at the pinned versions are left alone.
# When a tool cannot be had: under CI=true it exits non-zero with the reason (a check that cannot run in CI must
# fail it); elsewhere it says so loudly, with the reason and this command, and exits 0 so that other installs go on
# (scripts/run-pester.sh then reports the Pester tests SKIPPED). The reason is kept in .tools/powershell.UNAVAILABLE.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=scripts/powershell-tools.sh
. scripts/powershell-tools.sh
# shellcheck source=scripts/nuget-download.sh
. scripts/nuget-download.sh
mkdir -p "$PS_TOOLS_DIR"
unavailable_file="$PS_TOOLS_DIR/powershell.UNAVAILABLE"

unavailable() {
    echo "$1" >"$unavailable_file"
    if ps_in_ci; then
        echo "ERROR: $1 (CI=true: the runbook checks cannot run without it)" >&2
        exit 1
    fi
    echo "########################################################################" >&2
    echo "# NOT INSTALLED: $1" >&2
    echo "# The runbook's Pester tests and static checks will be SKIPPED on this machine." >&2
    echo "# Install with: $PS_INSTALL_COMMAND" >&2
    echo "########################################################################" >&2
    exit 0
}

command -v dotnet >/dev/null 2>&1 || unavailable "dotnet is not installed (needed to fetch PowerShell $PWSH_VERSION and Pester $PESTER_VERSION from NuGet)"

# --- pwsh ---
if [ "$(ps_pwsh_version || true)" = "$PWSH_VERSION" ]; then
    echo "pwsh: already installed: $PWSH_VERSION ($PWSH)"
else
    # Another version (or a broken install) in the tool path: `dotnet tool install` would refuse, so start clean.
    rm -rf "$PS_TOOLS_DIR/pwsh"
    if ! log="$(dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$PS_TOOLS_DIR/pwsh" 2>&1)"; then
        reason="$(printf '%s\n' "$log" | grep -Ei 'error|unable|not found' | head -n 1)"
        unavailable "dotnet tool install PowerShell --version $PWSH_VERSION failed: ${reason:-$(printf '%s\n' "$log" | tail -n 1)}"
    fi
    got="$(ps_pwsh_version || true)"
    [ "$got" = "$PWSH_VERSION" ] || unavailable "PowerShell $PWSH_VERSION installed but $PWSH reports '${got:-nothing}'"
    echo "pwsh: installed $PWSH_VERSION ($PWSH)"
fi

# --- Pester ---
pester_version() {
    PSModulePath="$PS_MODULES_DIR" "$PWSH" -NoLogo -NoProfile -NonInteractive -Command \
        "(Get-Module -ListAvailable -Name Pester | Where-Object { \$_.Version -eq [version]'$PESTER_VERSION' } | Select-Object -First 1).Version.ToString()" 2>/dev/null
}
# Already there: the manifest in the pinned folder names the pinned version (read as text: a pwsh start costs seconds).
if [ -f "$PESTER_MANIFEST" ] && grep -Eq "^[[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*'$PESTER_VERSION'" "$PESTER_MANIFEST"; then
    echo "Pester: already installed: $PESTER_VERSION ($(dirname "$PESTER_MANIFEST"))"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    if ! reason="$(nuget_download Pester "$PESTER_VERSION" "$work")"; then
        unavailable "dotnet restore of the NuGet package Pester $PESTER_VERSION failed: ${reason:-see dotnet output}"
    fi
    # NuGet lower-cases package ids in its folder layout; the module itself is the package's tools/ folder.
    source_dir="$work/packages/pester/$PESTER_VERSION/tools"
    [ -f "$source_dir/Pester.psd1" ] || unavailable "the NuGet package Pester $PESTER_VERSION holds no tools/Pester.psd1"
    target="$(dirname "$PESTER_MANIFEST")"
    rm -rf "$target"
    mkdir -p "$target"
    cp -R "$source_dir/." "$target/"
    got="$(pester_version || true)"
    [ "$got" = "$PESTER_VERSION" ] || unavailable "Pester $PESTER_VERSION copied to $target but pwsh finds '${got:-nothing}'"
    echo "Pester: installed $PESTER_VERSION ($target)"
fi
rm -f "$unavailable_file"
