#!/usr/bin/env bash
# Installs PowerShell (pwsh) and Pester 5 for the runbook's Pester tests, if this machine can get them.
# Idempotent. Never fails the build: when a tool cannot be had it says why, and scripts/run-pester.sh then
# reports the Pester tests as SKIPPED with that reason.
#
# Sources tried, in order (each only through its ordinary client):
#   pwsh:   already on PATH; ./.tools/pwsh (dotnet global tool "PowerShell" from NuGet, --tool-path);
#           Debian package "powershell" (apt)
#   Pester: already importable by pwsh; NuGet package "Pester" unpacked into ./.tools/Modules/Pester
set -u
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS"

find_pwsh() {
    if command -v pwsh >/dev/null 2>&1; then command -v pwsh; return 0; fi
    if [ -x "$TOOLS/pwsh/pwsh" ]; then echo "$TOOLS/pwsh/pwsh"; return 0; fi
    return 1
}

if ! find_pwsh >/dev/null; then
    if command -v dotnet >/dev/null 2>&1; then
        echo "pwsh: trying 'dotnet tool install PowerShell --tool-path $TOOLS/pwsh' (NuGet)"
        dotnet tool install PowerShell --tool-path "$TOOLS/pwsh" 2>&1 | tail -3 || true
    fi
fi
if ! find_pwsh >/dev/null && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "pwsh: trying the Debian package 'powershell' (apt)"
    if apt-cache policy powershell 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq powershell >/dev/null 2>&1 || true
    else
        echo "pwsh: no 'powershell' package in the configured apt sources"
    fi
fi

PWSH="$(find_pwsh || true)"
if [ -z "$PWSH" ]; then
    echo "pwsh: UNAVAILABLE (not on NuGet as the 'PowerShell' tool, not in apt); Pester tests will be skipped"
    exit 0
fi
echo "pwsh: $("$PWSH" -NoLogo -NoProfile -Command '$PSVersionTable.PSVersion.ToString()')"

has_pester() {
    PSModulePath="$TOOLS/Modules:${PSModulePath:-}" "$PWSH" -NoLogo -NoProfile -Command \
        'if (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]"5.0.0" }) { exit 0 } else { exit 1 }'
}
if ! has_pester && command -v dotnet >/dev/null 2>&1; then
    echo "Pester: trying the NuGet package 'Pester' via a throw-away restore"
    work="$(mktemp -d)"
    (cd "$work" && dotnet new classlib -o probe >/dev/null 2>&1 \
        && dotnet add probe package Pester --package-directory "$work/pkgs" >/dev/null 2>&1) || true
    manifest="$(find "$work/pkgs" -iname 'Pester.psd1' 2>/dev/null | head -1)"
    if [ -n "$manifest" ]; then
        mkdir -p "$TOOLS/Modules"
        rm -rf "$TOOLS/Modules/Pester"
        cp -r "$(dirname "$manifest")" "$TOOLS/Modules/Pester"
    else
        echo "Pester: not available from NuGet here"
    fi
    rm -rf "$work"
fi
if has_pester; then echo "Pester: available"; else echo "Pester: UNAVAILABLE; Pester tests will be skipped"; fi
exit 0
