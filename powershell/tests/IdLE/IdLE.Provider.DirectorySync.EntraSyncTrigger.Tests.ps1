#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Pester 5 tests of the IdLE DirectorySync provider backed by entra-sync-trigger
    (powershell/IdLE.Provider.DirectorySync.EntraSyncTrigger). The provider is driven the way IdLE runs
    IdLE.Step.TriggerDirectorySync (Support/IdleStepDriver.ps1, written from IdLE's provider contract) against
    real local hosts started by test/powershell/powershellModules.pester.test.ts: npx vitest run test/powershell.
#>

BeforeDiscovery {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ProviderCommands = @(Get-ChildItem -LiteralPath (Join-Path $root 'IdLE.Provider.DirectorySync.EntraSyncTrigger/Public') -Filter '*.ps1' |
            ForEach-Object { @{ Name = $_.BaseName } })
}

BeforeAll {
    . (Join-Path (Split-Path -Parent $PSScriptRoot) 'Support/TestEnvironment.ps1')
    . (Join-Path (Split-Path -Parent $PSScriptRoot) 'Support/IdleStepDriver.ps1')
    # The client first, as a session that scripts with it would have: the provider then uses it.
    Import-Module $script:ClientManifest -Force
    Import-Module $script:ProviderManifest -Force
    $script:Main = Get-TestHostUri -Name Main
    $script:Staging = Get-TestHostUri -Name Staging
    $script:Failing = Get-TestHostUri -Name Failing
    $script:Proxy = Get-TestHostUri -Name Proxy
    $script:Template = Join-Path $script:RepoRoot 'examples/idle/joiner-entra-sync-trigger.psd1'

    function New-Upn { param([string] $Prefix = 'idle') "$Prefix.$([guid]::NewGuid().ToString('N').Substring(0, 12))@contoso.com" }
    function New-Providers {
        param([string] $BaseUri = $script:Main, [hashtable] $Broker = @{})
        @{
            DirectorySync     = New-IdleEntraSyncTriggerProvider -BaseUri $BaseUri
            AuthSessionBroker = New-IdleEntraSyncTriggerAuthSessionBroker @Broker
        }
    }
    function New-JoinerWith {
        param([string] $Upn, [int] $TimeoutSeconds = 120)
        @{
            Provider            = 'DirectorySync'
            AuthSessionName     = 'EntraSyncTrigger'
            AuthSessionOptions  = @{ Upn = $Upn }
            ComputerName        = 'local'
            PolicyType          = 'Delta'
            Wait                = $true
            TimeoutSeconds      = $TimeoutSeconds
            PollIntervalSeconds = 1
        }
    }
}

AfterAll {
    Remove-Module -Name IdLE.Provider.DirectorySync.EntraSyncTrigger -Force -ErrorAction SilentlyContinue
}

Describe 'The provider module' {
    It 'loads under the pinned pwsh, bringing the client module with it' {
        $PSVersionTable.PSVersion.ToString() | Should -Be '7.6.9'
        @((Get-Module IdLE.Provider.DirectorySync.EntraSyncTrigger).ExportedFunctions.Keys | Sort-Object) |
            Should -Be @('New-IdleEntraSyncTriggerAuthSessionBroker', 'New-IdleEntraSyncTriggerProvider')
        Test-ModuleManifest -Path $script:ProviderManifest | Should -Not -BeNullOrEmpty
    }

    It '<Name> has comment-based help: synopsis, description, every parameter, examples' -ForEach $script:ProviderCommands {
        $help = Get-Help -Name $Name -Full
        $help.Synopsis | Should -Not -Match "^\s*$Name"
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($parameter in (Get-Command -Name $Name).Parameters.Keys | Where-Object { $common -notcontains $_ }) {
            $described = @($help.parameters.parameter | Where-Object { $_.name -eq $parameter })
            ($described.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }
}

Describe 'The DirectorySync contract' {
    It 'returns the two capabilities the step requires, and no others' {
        $provider = New-IdleEntraSyncTriggerProvider -BaseUri $script:Main
        @($provider.GetCapabilities()) | Should -Be @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
    }

    It 'declares AuthSession by name in StartSyncCycle and GetSyncCycleState, where IdLE looks for it' {
        $provider = New-IdleEntraSyncTriggerProvider -BaseUri $script:Main
        foreach ($method in @('StartSyncCycle', 'GetSyncCycleState')) {
            $names = @($provider.PSObject.Methods[$method].Script.Ast.ParamBlock.Parameters | ForEach-Object { $_.Name.VariablePath.UserPath })
            $names[-1] | Should -Be 'AuthSession'
        }
    }

    It 'holds no script block in its properties, nor does the broker, even with -TokenScript (IdLE refuses them)' {
        $providers = New-Providers -Broker @{ FunctionKey = 'secret-key-1'; TokenScript = { 'token' } }
        { Assert-DriverNoScriptBlock -Value $providers -Path 'Providers' } | Should -Not -Throw
        $providers.AuthSessionBroker.PSObject.Methods['GetAccessToken'] | Should -Not -BeNullOrEmpty
        ($providers.AuthSessionBroker | Format-List * | Out-String) | Should -Not -Match 'secret-key-1'
    }

    It 'puts the options, the correlation id and the credentials into the session; refuses an unknown option' {
        $broker = New-IdleEntraSyncTriggerAuthSessionBroker -FunctionKey 'key'
        $guid = [guid]::NewGuid()
        $session = $broker.AcquireAuthSession('EntraSyncTrigger', @{ Upn = 'ada@contoso.com'; ObjectGuid = $guid; DistinguishedName = ''; CorrelationId = 'run-1'; Actor = 'hr' })
        $session.Upn | Should -Be 'ada@contoso.com'
        $session.ObjectGuid | Should -Be $guid.ToString()
        $session.DistinguishedName | Should -BeNullOrEmpty
        $session.CorrelationId | Should -Be 'run-1'
        $session.FunctionKey | Should -BeOfType [securestring]
        { $broker.AcquireAuthSession('EntraSyncTrigger', @{ Role = 'Admin' }) } | Should -Throw '*INVALID_AUTH_SESSION_OPTIONS: AuthSessionOptions.Role*'
        { $broker.AcquireAuthSession('EntraSyncTrigger', @{ ObjectGuid = 'not-a-guid' }) } | Should -Throw '*not a GUID*'
    }

    It 'answers its own session name and hands every other name to -FallbackBroker' {
        $fallback = [pscustomobject]@{ Seen = [System.Collections.Generic.List[string]]::new() }
        $fallback | Add-Member -MemberType ScriptMethod -Name AcquireAuthSession -Value {
            param([string] $Name, [hashtable] $Options)
            $this.Seen.Add($Name)
            "credential-for-$Name"
        }
        $broker = New-IdleEntraSyncTriggerAuthSessionBroker -FallbackBroker $fallback
        $broker.AcquireAuthSession('Directory', @{ CorrelationId = 'run-2' }) | Should -Be 'credential-for-Directory'
        $broker.AcquireAuthSession('EntraSyncTrigger', @{ Upn = 'a@contoso.com'; CorrelationId = 'run-2' }).Upn | Should -Be 'a@contoso.com'
        @($fallback.Seen) | Should -Be @('Directory')
        { Assert-DriverNoScriptBlock -Value @{ AuthSessionBroker = $broker } -Path 'Providers' } | Should -Not -Throw
    }

    It 'refuses a ComputerName that is a server name: it is the target id' {
        $providers = New-Providers
        $with = New-JoinerWith -Upn (New-Upn)
        $with.ComputerName = 'ad-sync1.corp.local'
        $run = Invoke-TestDirectorySyncStep -Providers $providers -With $with -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Failed'
        $run.Attempts | Should -Be 1
        $run.ErrorMessage | Should -BeLike '*INVALID_TARGET: ComputerName must be the entra-sync-trigger target id*'
    }

    It 'GetSyncCycleState before StartSyncCycle is NO_SYNC_STARTED, not transient' {
        $providers = New-Providers
        $session = $providers.AuthSessionBroker.AcquireAuthSession('EntraSyncTrigger', @{ CorrelationId = 'never-started' })
        $failure = $null
        try { $providers.DirectorySync.GetSyncCycleState.Invoke(@('local', $session)) } catch { $failure = $_ }
        $failure.Exception.Message | Should -BeLike '*NO_SYNC_STARTED*'
        Test-DriverTransient -Exception $failure.Exception | Should -BeFalse
    }
}

Describe 'Driven like IdLE.Step.TriggerDirectorySync against npm start' {
    It 'a joiner: start, poll until not in progress, done with the request id, outcome and Entra answer' {
        $providers = New-Providers
        $run = Invoke-TestDirectorySyncStep -Providers $providers -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Completed' -Because $run.ErrorMessage
        $run.Attempts | Should -Be 1
        $run.Started | Should -BeTrue
        $run.Message | Should -BeLike 'Request * accepted for target local (Delta, joiner idle.*@contoso.com).'
        $run.States.Count | Should -BeGreaterThan 1
        @($run.States | Where-Object { $_.InProgress }).State | Should -Not -Contain 'succeeded'
        $run.LastState.InProgress | Should -BeFalse
        $run.LastState.State | Should -Be 'confirmed'
        $run.LastState.Details.Outcome | Should -Be 'Succeeded'
        $run.LastState.Details.Entra.state | Should -Be 'confirmed'
        $run.LastState.Details.RequestId | Should -Match '^[0-9a-f-]{36}$'
        $run.LastState.Details.JobName | Should -Not -BeNullOrEmpty
    }

    It 'the correlation id of the run becomes the request''s correlation id' {
        $corr = [guid]::NewGuid()
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers) -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId $corr
        $run.LastState.Details.CorrelationId | Should -Be $corr.ToString('N')
    }

    It 'a re-run of the plan (same correlation id, new providers) replays the request: no new job' {
        $corr = [guid]::NewGuid().ToString()
        $with = New-JoinerWith -Upn (New-Upn)
        $first = Invoke-TestDirectorySyncStep -Providers (New-Providers) -With $with -CorrelationId $corr
        $first.Status | Should -Be 'Completed'
        $jobsBefore = (Get-SimulationStat -BaseUri $script:Main).jobsCreated
        $again = Invoke-TestDirectorySyncStep -Providers (New-Providers) -With $with -CorrelationId $corr
        $again.Status | Should -Be 'Completed'
        $again.Message | Should -BeLike '*was already submitted by this run; following it.'
        $again.LastState.Details.RequestId | Should -Be $first.LastState.Details.RequestId
        $again.States.Count | Should -Be 1
        (Get-SimulationStat -BaseUri $script:Main).jobsCreated | Should -Be $jobsBefore
    }

    It 'on a staging server the step fails with an error naming SYNC_SKIPPED, not retried' {
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri $script:Staging) -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Failed'
        $run.Attempts | Should -Be 1
        $run.ErrorMessage | Should -BeLike '*SYNC_SKIPPED: *'
        (Get-ErrorChainData -Exception $run.Error).Code | Should -Be 'SYNC_SKIPPED'
        Test-DriverTransient -Exception $run.Error | Should -BeFalse
    }

    It 'when the runbook fails the step fails with an error naming SYNC_FAILED' {
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri $script:Failing) -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Failed'
        $run.Attempts | Should -Be 1
        $run.ErrorMessage | Should -BeLike '*SYNC_FAILED: *'
    }

    It 'an object not visible in Entra ID after its cycle fails the step with an error naming NOT_VISIBLE_IN_ENTRA' {
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri (Get-TestHostUri -Name Invisible)) -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Failed'
        $run.Attempts | Should -Be 1
        $run.ErrorMessage | Should -BeLike '*NOT_VISIBLE_IN_ENTRA: *'
        @($run.States | Where-Object { $_.State -eq 'confirming' }).Count | Should -BeGreaterThan 0
    }

    It 'a start whose answer was lost is transient: IdLE retries the step, and the second start is a replay' {
        $corr = [guid]::NewGuid().ToString()
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri "$script:Proxy/lose-first-answer") -With (New-JoinerWith -Upn (New-Upn -Prefix 'lost')) -CorrelationId $corr
        $run.Status | Should -Be 'Completed' -Because $run.ErrorMessage
        $run.Attempts | Should -Be 2
        $run.Message | Should -BeLike '*was already submitted by this run; following it.'
        $run.LastState.State | Should -Be 'confirmed'
        $status = Get-EntraSyncRequest -Request $run.LastState.Details.RequestId -Connection (New-EntraSyncConnection -BaseUri $script:Main)
        $status.changeCount | Should -Be 1
    }

    It 'a service that stays unavailable fails the step after every attempt, with a transient DEPENDENCY_UNAVAILABLE' {
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri "$script:Proxy/unavailable") -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid()) -MaxAttempts 3
        $run.Status | Should -Be 'Failed'
        $run.Attempts | Should -Be 3
        $run.ErrorMessage | Should -BeLike '*DEPENDENCY_UNAVAILABLE*'
        Test-DriverTransient -Exception $run.Error | Should -BeTrue
    }

    It 'no answer at all (nothing listening) is transient too' {
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri 'http://127.0.0.1:9') -With (New-JoinerWith -Upn (New-Upn)) -CorrelationId ([guid]::NewGuid()) -MaxAttempts 2
        $run.Attempts | Should -Be 2
        $run.ErrorMessage | Should -BeLike '*NETWORK_ERROR*'
        Test-DriverTransient -Exception $run.Error | Should -BeTrue
    }

    It 'the step''s timeout ends a wait that the service keeps at 202' {
        $with = New-JoinerWith -Upn (New-Upn) -TimeoutSeconds 2
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers -BaseUri "$script:Proxy/pending") -With $with -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Failed'
        $run.ErrorMessage | Should -BeLike 'TriggerDirectorySync: Timeout waiting for sync cycle to complete after 2s. Last known state: waiting'
    }

    It 'the broker''s -TokenScript is run for the requests of every provider call' {
        $script:BrokerTokens = 0
        $providers = New-Providers -BaseUri "$script:Proxy/lose-first-answer" -Broker @{ TokenScript = { $script:BrokerTokens++; "token-$($script:BrokerTokens)" } }
        $run = Invoke-TestDirectorySyncStep -Providers $providers -With (New-JoinerWith -Upn (New-Upn -Prefix 'token')) -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Completed' -Because $run.ErrorMessage
        # One token per HTTP request: the lost start, its replay, and every poll.
        $script:BrokerTokens | Should -Be (2 + $run.States.Count)
    }
}

Describe '8 joiner workflows at once' {
    It 'all end done and confirmed in Entra ID, in at most 2 Automation jobs' {
        $parallel = Get-TestHostUri -Name Parallel
        $jobsBefore = (Get-SimulationStat -BaseUri $parallel).jobsCreated
        $ready = [System.Threading.CountdownEvent]::new(8)
        $go = [System.Threading.ManualResetEventSlim]::new($false)
        $pool = [runspacefactory]::CreateRunspacePool(8, 8)
        $pool.Open()
        # One workflow per runspace, as 8 plan executions in parallel: its own modules, providers and run id.
        $workflow = {
            param($ClientManifest, $ProviderManifest, $DriverPath, $BaseUri, $Upn, $Ready, $Go)
            $ErrorActionPreference = 'Stop'
            Import-Module $ClientManifest
            Import-Module $ProviderManifest
            . $DriverPath
            $providers = @{
                DirectorySync     = New-IdleEntraSyncTriggerProvider -BaseUri $BaseUri
                AuthSessionBroker = New-IdleEntraSyncTriggerAuthSessionBroker
            }
            $with = @{
                AuthSessionName = 'EntraSyncTrigger'; AuthSessionOptions = @{ Upn = $Upn }; ComputerName = 'local'
                PolicyType = 'Delta'; Wait = $true; TimeoutSeconds = 180; PollIntervalSeconds = 1
            }
            $null = Get-EntraSyncStatus -Connection (New-EntraSyncConnection -BaseUri $BaseUri)
            $Ready.Signal() | Out-Null
            $null = $Go.Wait(60000)
            Invoke-TestDirectorySyncStep -Providers $providers -With $with -CorrelationId ([guid]::NewGuid().ToString())
        }
        $driver = Join-Path (Split-Path -Parent $PSScriptRoot) 'Support/IdleStepDriver.ps1'
        $running = @(1..8 | ForEach-Object {
                $shell = [powershell]::Create()
                $shell.RunspacePool = $pool
                $null = $shell.AddScript($workflow).AddArgument($script:ClientManifest).AddArgument($script:ProviderManifest).AddArgument($driver).AddArgument($parallel).AddArgument((New-Upn -Prefix "parallel$_")).AddArgument($ready).AddArgument($go)
                [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
            })
        try {
            $ready.Wait(120000) | Should -BeTrue -Because 'every workflow imports the modules and gets ready'
            $go.Set()
            $results = @($running | ForEach-Object { $_.Shell.EndInvoke($_.Handle) })
            $errors = @($running | ForEach-Object { $_.Shell.Streams.Error })
        } finally {
            $running | ForEach-Object { $_.Shell.Dispose() }
            $pool.Close()
        }
        $jobsCreated = (Get-SimulationStat -BaseUri $parallel).jobsCreated - $jobsBefore
        $jobNames = @($results | ForEach-Object { $_.LastState.Details.JobName } | Where-Object { $_ } | Sort-Object -Unique)
        # How close together the 8 submits reached the service, on its clock (10 times faster than the wall's).
        $connection = New-EntraSyncConnection -BaseUri $parallel
        $accepted = @($results | Where-Object { $_.LastState } | ForEach-Object { [DateTimeOffset] (Get-EntraSyncRequest -Request $_.LastState.Details.RequestId -Connection $connection).acceptedAt })
        $spread = 0
        if ($accepted.Count -gt 0) { $spread = (($accepted | Measure-Object -Property UtcTicks -Maximum).Maximum - ($accepted | Measure-Object -Property UtcTicks -Minimum).Minimum) / 1e7 }
        Write-Host ("8 concurrent joiner workflows: {0} Automation job(s) created, {1} distinct job name(s) in the results; submits within {2:n2} s of service time" -f $jobsCreated, $jobNames.Count, $spread)

        $errors | Should -BeNullOrEmpty
        $results.Count | Should -Be 8
        foreach ($result in $results) {
            $result.Status | Should -Be 'Completed' -Because $result.ErrorMessage
            $result.Attempts | Should -Be 1
            $result.LastState.State | Should -Be 'confirmed'
        }
        @($results | ForEach-Object { $_.LastState.Details.RequestId } | Sort-Object -Unique).Count | Should -Be 8
        $jobsCreated | Should -BeGreaterOrEqual 1
        $jobsCreated | Should -BeLessOrEqual 2
        $jobNames.Count | Should -Be $jobsCreated
    }
}

Describe 'The joiner workflow template (examples/idle)' {
    It 'its directory sync step uses only With keys the step accepts, and runs with a request''s intent' {
        $workflow = Import-PowerShellDataFile -Path $script:Template
        $workflow.LifecycleEvent | Should -Be 'Joiner'
        $types = @($workflow.Steps | ForEach-Object { $_.Type })
        $index = [array]::IndexOf($types, 'IdLE.Step.TriggerDirectorySync')
        $index | Should -BeGreaterOrEqual 1 -Because 'the account is created before the sync'
        $index | Should -BeLessThan ($types.Count - 1) -Because 'a step that needs the account in Entra ID follows'
        $step = $workflow.Steps[$index]
        $allowed = @('Provider', 'AuthSessionName', 'AuthSessionOptions', 'ComputerName', 'PolicyType', 'Wait', 'TimeoutSeconds', 'PollIntervalSeconds')
        @($step.With.Keys | Where-Object { $allowed -notcontains $_ }) | Should -BeNullOrEmpty
        $step.With.Wait | Should -BeTrue

        # What IdLE's planning does with {{Request.Intent.*}}: resolve it from the request.
        $intent = @{ UserPrincipalName = (New-Upn -Prefix 'template'); EntraSyncTarget = 'local' }
        $resolve = {
            param($value)
            if ($value -is [hashtable]) { $copy = @{}; foreach ($k in $value.Keys) { $copy[$k] = & $resolve $value[$k] }; return $copy }
            if ($value -is [string]) { return [regex]::Replace($value, '\{\{Request\.Intent\.(\w+)\}\}', { param($m) $intent[$m.Groups[1].Value] }) }
            $value
        }
        $with = & $resolve $step.With
        $with.AuthSessionOptions.Upn | Should -Be $intent.UserPrincipalName
        $with.PollIntervalSeconds = 1
        $run = Invoke-TestDirectorySyncStep -Providers (New-Providers) -With $with -CorrelationId ([guid]::NewGuid())
        $run.Status | Should -Be 'Completed' -Because $run.ErrorMessage
        $run.LastState.State | Should -Be 'confirmed'
    }
}
