# Sourced (not run) by scripts/install-bicep.sh and scripts/install-powershell.sh: fetches exactly one version of
# one NuGet package through dotnet's own NuGet client (a throwaway project with a PackageDownload item), so it goes
# through the NuGet source this machine is configured with, and never takes "whatever is newest" the way an
# unpinned `dotnet add package` would.

# nuget_download PACKAGE VERSION WORKDIR
# Restores PACKAGE at exactly VERSION into WORKDIR/packages (NuGet's layout: lower-case id, then version). On
# failure prints the first NuGet error line (nothing when there is none) and returns 1; the caller says why.
nuget_download() {
    local package="$1" version="$2" work="$3" log
    cat >"$work/fetch-package.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1,2)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$version]" />
  </ItemGroup>
</Project>
PROJ
    if ! log="$(dotnet restore "$work/fetch-package.csproj" --packages "$work/packages" 2>&1)"; then
        printf '%s\n' "$log" | grep -Eo 'error NU[0-9]+: .*' | head -n 1
        return 1
    fi
}
