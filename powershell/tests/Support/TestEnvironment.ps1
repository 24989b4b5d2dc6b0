# Shared by the module's Pester suites: where the modules are, and the local hosts the suites run against.
#
# The hosts are started by test/powershell/powershellModules.pester.test.ts (npm start's entry point on loopback,
# one per simulated Connect server behaviour) and a fault-injecting proxy in front of the first; their URLs arrive
# in the environment. Run the suites through that test (npx vitest run test/powershell), not on their own.

$script:RepoRoot = Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))
$script:ClientManifest = Join-Path (Join-Path $script:RepoRoot 'powershell') 'EntraSyncTrigger/EntraSyncTrigger.psd1'
$script:ProviderManifest = Join-Path (Join-Path $script:RepoRoot 'powershell') 'IdLE.Provider.DirectorySync.EntraSyncTrigger/IdLE.Provider.DirectorySync.EntraSyncTrigger.psd1'

function Get-TestHostUri {
    <#
        The base URL of one of the test hosts:
          Main     ENTRA_CONFIRMATION=on, clock x10: joiners end confirmed in Entra ID within seconds
          Parallel ENTRA_CONFIRMATION=on, npm start's timing (30 s worker poll, 40 s cycles) with the clock x10
          Invisible as Main, but every object replicates too late and there is no extra run: NOT_VISIBLE_IN_ENTRA
          Staging  SIMULATED_CONNECT_STAGING_MODE=true: every cycle is SkippedStagingMode
          Failing  SIMULATED_CONNECT_FAILURE_RATE=1: every runbook fails
          Proxy    the fault proxy; its first path segment picks the fault (see the vitest file)
    #>
    param([Parameter(Mandatory)] [ValidateSet('Main', 'Parallel', 'Invisible', 'Staging', 'Failing', 'Proxy')] [string] $Name)

    $variable = @{ Main = 'ENTRA_SYNC_TEST_URL'; Parallel = 'ENTRA_SYNC_TEST_PARALLEL_URL'; Invisible = 'ENTRA_SYNC_TEST_INVISIBLE_URL'; Staging = 'ENTRA_SYNC_TEST_STAGING_URL'; Failing = 'ENTRA_SYNC_TEST_FAILING_URL'; Proxy = 'ENTRA_SYNC_TEST_PROXY_URL' }[$Name]
    $value = [Environment]::GetEnvironmentVariable($variable)
    if ([string]::IsNullOrWhiteSpace($value)) {
        throw "$variable is not set: these suites run against local hosts that test/powershell/powershellModules.pester.test.ts starts (npx vitest run test/powershell)."
    }
    $value.TrimEnd('/')
}

function Get-SimulationStat {
    <# The simulated Connect server's counters (jobsCreated, ...) of a test host: GET /_local/simulation. #>
    param([Parameter(Mandatory)] [string] $BaseUri)
    (Invoke-RestMethod -Uri "$BaseUri/_local/simulation" -Method Get).stats
}

function Get-ErrorChainData {
    <# The Data of the first exception in the chain (InnerException) that carries the given key, or $null. #>
    param([Parameter(Mandatory)] [System.Exception] $Exception, [string] $Key = 'Code')
    $current = $Exception
    while ($null -ne $current) {
        if ($current.Data.Contains($Key)) { return $current.Data }
        $current = $current.InnerException
    }
    $null
}
