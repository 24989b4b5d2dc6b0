#!/usr/bin/env bash
# Installs the Bicep CLI into .tools/bicep/ (gitignored) from its NuGet package, Azure.Bicep.CommandLine.linux-x64,
# which ships a self-contained `bicep` binary. Uses dotnet's own NuGet client (a throwaway project with a
# PackageDownload item), so it goes through the NuGet source this machine is configured with.
# Idempotent: a working .tools/bicep/bicep is left alone. Never fails the caller: when the package cannot be had,
# it says why and writes the reason to .tools/bicep/UNAVAILABLE, and scripts/check-bicep.sh and the Bicep test
# report themselves SKIPPED with that reason.
set -u
cd "$(dirname "$0")/.."
version="${BICEP_VERSION:-0.38.33}"
package="Azure.Bicep.CommandLine.linux-x64"
dest=".tools/bicep"
mkdir -p "$dest"

if [ -x "$dest/bicep" ] && "$dest/bicep" --version >/dev/null 2>&1; then
    rm -f "$dest/UNAVAILABLE"
    echo "bicep: already installed: $("$dest/bicep" --version)"
    exit 0
fi

unavailable() {
    echo "$1" >"$dest/UNAVAILABLE"
    echo "bicep: not installed: $1"
    exit 0
}

command -v dotnet >/dev/null 2>&1 || unavailable "dotnet is not installed (needed to fetch $package from NuGet)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/fetch-bicep.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1,2)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$version]" />
  </ItemGroup>
</Project>
PROJ
if ! log="$(dotnet restore "$work/fetch-bicep.csproj" --packages "$work/packages" 2>&1)"; then
    reason="$(printf '%s\n' "$log" | grep -Eo 'error NU[0-9]+: .*' | head -n 1)"
    unavailable "dotnet restore of $package $version failed: ${reason:-see dotnet output}"
fi

binary="$(find "$work/packages" -type f -name bicep | head -n 1)"
[ -n "$binary" ] || unavailable "$package $version holds no bicep binary"
cp "$binary" "$dest/bicep"
chmod +x "$dest/bicep"
"$dest/bicep" --version >/dev/null 2>&1 || unavailable "$package $version: the bicep binary does not run here"
rm -f "$dest/UNAVAILABLE"
echo "bicep: installed $("$dest/bicep" --version)"
