#!/usr/bin/env bash
# Installs the Bicep CLI into .tools/bicep/ (gitignored) from its NuGet package, Azure.Bicep.CommandLine.linux-x64,
# which ships a self-contained `bicep` binary, fetched with dotnet's own NuGet client (scripts/nuget-download.sh), so
# it goes through the NuGet source this machine is configured with.
# The version is pinned (BICEP_VERSION overrides it): a linter upgrade may add warnings, and warnings fail CI
# (scripts/check-bicep.sh), so a new CLI version is a deliberate change, not something a fresh clone picks up.
# Idempotent: a .tools/bicep/bicep of the pinned version is left alone; any other version is replaced.
# When the CLI cannot be installed: under CI=true this exits non-zero with the reason (a check that cannot run in
# CI must fail, not skip); on a person's machine it says so loudly, with the command to retry, and exits 0 so the
# other checks still run (scripts/check-bicep.sh and the Bicep tests then skip loudly).
set -u
cd "$(dirname "$0")/.."
version="${BICEP_VERSION:-0.49.2}"
package="Azure.Bicep.CommandLine.linux-x64"
dest=".tools/bicep"
mkdir -p "$dest"

in_ci() { case "${CI:-}" in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;; *) return 1 ;; esac; }

# `bicep --version` prints "Bicep CLI version 0.49.2 (…)".
installed_version() { "$dest/bicep" --version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1; }

if [ -x "$dest/bicep" ] && [ "$(installed_version)" = "$version" ]; then
    rm -f "$dest/UNAVAILABLE"
    echo "bicep: already installed: $("$dest/bicep" --version)"
    exit 0
fi

unavailable() {
    echo "$1" >"$dest/UNAVAILABLE"
    if in_ci; then
        echo "bicep: FAILED (CI=true, so this is an error): $1" >&2
        exit 1
    fi
    echo "################################################################################" >&2
    echo "bicep: NOT INSTALLED: $1" >&2
    echo "bicep: Bicep build/lint checks will be SKIPPED on this machine (in CI they fail)." >&2
    echo "bicep: retry with: bash scripts/install-bicep.sh" >&2
    echo "################################################################################" >&2
    exit 0
}

command -v dotnet >/dev/null 2>&1 || unavailable "dotnet is not installed (needed to fetch $package $version from NuGet)"

# shellcheck source=scripts/nuget-download.sh
. scripts/nuget-download.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! reason="$(nuget_download "$package" "$version" "$work")"; then
    unavailable "dotnet restore of $package $version failed: ${reason:-see dotnet output}"
fi

binary="$(find "$work/packages" -type f -name bicep | head -n 1)"
[ -n "$binary" ] || unavailable "$package $version holds no bicep binary"
cp "$binary" "$dest/bicep"
chmod +x "$dest/bicep"
[ "$(installed_version)" = "$version" ] || unavailable "$package $version: the bicep binary does not run here or reports another version"
rm -f "$dest/UNAVAILABLE"
echo "bicep: installed $("$dest/bicep" --version)"
