#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Pester 5 tests of Start-EntraSyncCycle.ps1 with the ADSync cmdlets mocked, one context per outcome.
    Time is simulated: Get-Date returns a test clock and Start-Sleep advances it, so nothing really waits.
    Run: scripts/run-pester.sh (or: Invoke-Pester -Path infra/runbooks/tests -Output Detailed).
#>

BeforeAll {
    $script:Runbook = Join-Path (Split-Path -Parent $PSScriptRoot) 'Start-EntraSyncCycle.ps1'
    $script:Start = [datetime]::SpecifyKind([datetime] '2026-01-05T08:00:00', [DateTimeKind]::Utc)

    # The runbook finds the ADSync module under %ProgramFiles%, which only Windows defines. A test machine gets a
    # stand-in (restored in AfterAll), so the runbook runs here as it does on the Connect server.
    $script:SavedProgramFiles = $env:ProgramFiles
    $env:ProgramFiles = Join-Path ([System.IO.Path]::GetTempPath()) 'entra-sync-trigger-tests-ProgramFiles'

    # Stand-ins so that Mock has commands to replace on machines without Entra Connect.
    function global:Get-ADSyncScheduler { }
    function global:Start-ADSyncSyncCycle { param([string] $PolicyType) }
    function global:Get-ADSyncConnectorRunStatus { }
    function global:Get-ADSyncRunProfileResult { param([int] $NumberRequested, [switch] $RunStepDetails) }

    function New-Scheduler {
        param([bool] $Staging = $false, [bool] $Enabled = $true, [bool] $Suspended = $false, [bool] $InProgress = $false)
        [pscustomobject] @{
            StagingModeEnabled  = $Staging
            SyncCycleEnabled    = $Enabled
            SchedulerSuspended  = $Suspended
            SyncCycleInProgress = $InProgress
        }
    }

    function New-Run {
        param([string] $Connector, [string] $RunProfile, [string] $Result = 'success', [int] $OffsetSeconds = 5,
            [int] $StageAdd = 0, [int] $StageUpdate = 0, [int] $ExportAdd = 0, [int] $ExportFailure = 0)
        $startDate = $global:TestClock.Started.AddSeconds($OffsetSeconds)
        [pscustomobject] @{
            ConnectorName  = $Connector
            RunProfileName = $RunProfile
            Result         = $Result
            StartDate      = $startDate
            EndDate        = $startDate.AddSeconds(10)
            RunStepResults = @([pscustomobject] @{
                    StageAdd = $StageAdd; StageUpdate = $StageUpdate; StageDelete = 0; StageFailure = 0
                    ExportAdd = $ExportAdd; ExportUpdate = 0; ExportDelete = 0; ExportFailure = $ExportFailure
                })
        }
    }

    function Invoke-Runbook {
        param([hashtable] $Parameters = @{})
        $arguments = @{
            CorrelationId    = '4bf92f3577b34da6a3ce929d0e0e4736'
            PollSeconds      = 10
            BusyWaitSeconds  = 600
            BusyRetryCount   = 3
            BusyRetrySeconds = 30
            TimeoutSeconds   = 600
        }
        foreach ($key in $Parameters.Keys) { $arguments[$key] = $Parameters[$key] }
        # Warnings are expected on busy paths; keep them off the test output. Output (stream 1) is what we test.
        $output = @(& $script:Runbook @arguments 3>$null)
        $output | Should -HaveCount 1 -Because 'the runbook writes exactly one Output record'
        $output[0] | Should -BeOfType [string]
        $output[0] | Should -Not -Match "`n"
        $global:LastResultLine = $output[0]
        # test/infra/runbook.pester.test.ts sets this to parse every line with the app's own parser
        # (src/domain/runbookResult.ts): the contract is checked from both ends, not just from this one.
        if ($env:RUNBOOK_RESULT_LINES_FILE) {
            [System.IO.File]::AppendAllText($env:RUNBOOK_RESULT_LINES_FILE, $output[0] + "`n", [System.Text.UTF8Encoding]::new($false))
        }
        $output[0] | ConvertFrom-Json
    }

    function Get-WireTime {
        <# The text of a top-level time field in the last result line exactly as written, or $null when it is null. #>
        param([string] $Name)
        if ($global:LastResultLine -match ('"{0}":null' -f $Name)) { return $null }
        $match = [regex]::Match($global:LastResultLine, ('"{0}":"([^"]*)"' -f $Name))
        $match.Success | Should -BeTrue -Because "the result line has a $Name field"
        $match.Groups[1].Value
    }
}

AfterAll {
    $env:ProgramFiles = $script:SavedProgramFiles
    Remove-Item -Path 'function:global:Get-ADSyncScheduler', 'function:global:Start-ADSyncSyncCycle',
    'function:global:Get-ADSyncConnectorRunStatus', 'function:global:Get-ADSyncRunProfileResult' -ErrorAction SilentlyContinue
    Remove-Variable -Name TestClock, CycleRunsUntil, LastResultLine, BusyPolls, Refusals, ForeignBusyUntil, ForeignPolls, ForeignStartsAt, StartCalledAt, NextCycleFrom, NextCycleUntil, FlickerAt, OurRuns, NextRuns -Scope Global -ErrorAction SilentlyContinue
}

Describe 'Start-EntraSyncCycle' {
    # Pester 5 runs per-test setup only inside a block: at the root it refuses the whole file.
    BeforeEach {
        $global:TestClock = @{ Now = $script:Start; Started = $script:Start; Origin = $script:Start }
        $global:CycleRunsUntil = $null   # the clock time at which a cycle in progress ends
        Mock Get-Date { $global:TestClock.Now }
        Mock Start-Sleep { $global:TestClock.Now = $global:TestClock.Now.AddSeconds([math]::Max(1, $Seconds)) }
        Mock Import-Module { }
        Mock Get-ADSyncConnectorRunStatus { }
        Mock Get-ADSyncScheduler {
            $running = $null -ne $global:CycleRunsUntil -and $global:TestClock.Now -lt $global:CycleRunsUntil
            New-Scheduler -InProgress $running
        }
        Mock Start-ADSyncSyncCycle {
            $global:TestClock.Started = $global:TestClock.Now
            $global:CycleRunsUntil = $global:TestClock.Now.AddSeconds(45)
            [pscustomobject] @{ Result = 'Success' }   # the real cmdlet returns an object: it must not reach Output
        }
        Mock Get-ADSyncRunProfileResult {
            New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -StageAdd 1 -StageUpdate 2 -OffsetSeconds 1
            New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Synchronization' -OffsetSeconds 12
            New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Export' -ExportAdd 1 -OffsetSeconds 30
            # From an earlier cycle: must not be counted.
            New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -Result 'stopped-server-down' -OffsetSeconds -3600
        }
    }

    Context 'Succeeded' {
        It 'starts a delta cycle, waits for its end and reports its run profiles' {
            $result = Invoke-Runbook

            $result.schema | Should -Be 'entra-sync-trigger/cycle-result@1'
            $result.outcome | Should -Be 'Succeeded'
            $result.correlationId | Should -Be '4bf92f3577b34da6a3ce929d0e0e4736'
            $result.policyType | Should -Be 'Delta'
            $result.exportErrors | Should -Be 0
            @($result.connectors) | Should -HaveCount 3
            $result.connectors[0].adds | Should -Be 1
            $result.connectors[0].updates | Should -Be 2
            # Times are asserted on the wire text the engine parses: ConvertFrom-Json turns ISO strings into
            # [datetime] on PowerShell 7 but not on 5.1, so the parsed object would test the JSON reader, not the runbook.
            Get-WireTime 'cycleStartedAt' | Should -Be '2026-01-05T08:00:00.0000000Z'
            $endedAt = Get-WireTime 'cycleEndedAt'
            $endedAt | Should -Match '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$'
            [System.DateTimeOffset]::Parse($endedAt, [cultureinfo]::InvariantCulture) |
                Should -BeGreaterThan ([System.DateTimeOffset]::Parse('2026-01-05T08:00:00Z', [cultureinfo]::InvariantCulture))
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly -ParameterFilter { $PolicyType -eq 'Delta' }
        }

        It 'reports importStartedAt: the start of the first import run profile of its own cycle' {
            Mock Get-ADSyncRunProfileResult {
                # Returned newest first, as ADSync does; the earlier cycle's import (an hour before ours) is not ours.
                New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Export' -OffsetSeconds 30
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Synchronization' -OffsetSeconds 12
                New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Delta Import' -OffsetSeconds 4
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -OffsetSeconds 2
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -OffsetSeconds -3600
            }
            (Invoke-Runbook).outcome | Should -Be 'Succeeded'
            Get-WireTime 'importStartedAt' | Should -Be '2026-01-05T08:00:02.0000000Z'
        }

        It 'passes Initial through' {
            (Invoke-Runbook @{ PolicyType = 'Initial' }).policyType | Should -Be 'Initial'
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly -ParameterFilter { $PolicyType -eq 'Initial' }
        }

        It 'waits for a connector still Busy between steps before reading results' {
            $global:BusyPolls = 0
            Mock Get-ADSyncConnectorRunStatus {
                if ($null -ne $global:CycleRunsUntil -and $global:BusyPolls -lt 4) {
                    $global:BusyPolls++
                    [pscustomobject] @{ ConnectorName = 'corp.contoso.com'; RunState = 'Busy' }
                }
            }
            (Invoke-Runbook).outcome | Should -Be 'Succeeded'
            $global:BusyPolls | Should -Be 4
        }
    }

    Context 'CompletedWithExportErrors' {
        It 'counts export errors and names the connector' {
            Mock Get-ADSyncRunProfileResult {
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import'
                New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Export' -Result 'completed-export-errors' -ExportFailure 2 -OffsetSeconds 30
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'CompletedWithExportErrors'
            $result.exportErrors | Should -Be 2
            $result.reason | Should -Match 'contoso\.onmicrosoft\.com - AAD'
        }
    }

    Context 'SkippedStagingMode' {
        It 'never starts a cycle on a staging server' {
            Mock Get-ADSyncScheduler { New-Scheduler -Staging $true }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'SkippedStagingMode'
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }
    }

    Context 'SkippedSchedulerSuspended' {
        It 'respects a suspended scheduler (upgrade or wizard) and says so' {
            Mock Get-ADSyncScheduler { New-Scheduler -Suspended $true }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'SkippedSchedulerSuspended'
            $result.reason | Should -Match 'suspended'
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }

        It 'respects a disabled scheduler and says disabled' {
            Mock Get-ADSyncScheduler { New-Scheduler -Enabled $false }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'SkippedSchedulerSuspended'
            $result.reason | Should -Match 'disabled'
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }
    }

    Context 'a cycle already in progress' {
        It 'waits for it to end, then starts ours' {
            $global:CycleRunsUntil = $script:Start.AddSeconds(95)
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Succeeded'
            $result.waitedForRunningCycleSeconds | Should -BeGreaterOrEqual 95
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'queued behind a running cycle (a trailing job), starts its own after that end and reports its own import start' {
            # The running cycle started at 08:00:00 and ends at 08:01:35; its runs are in the history too.
            $global:CycleRunsUntil = $script:Start.AddSeconds(95)
            Mock Get-ADSyncRunProfileResult {
                New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Export' -OffsetSeconds 30
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -OffsetSeconds 1
                # The running cycle's import, at 08:00:00: before our start, so not ours.
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -OffsetSeconds (-$global:TestClock.Started.Subtract($global:TestClock.Origin).TotalSeconds)
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Succeeded'
            $foreignEnd = [System.DateTimeOffset]::Parse('2026-01-05T08:01:35Z', [cultureinfo]::InvariantCulture)
            $started = [System.DateTimeOffset]::Parse((Get-WireTime 'cycleStartedAt'), [cultureinfo]::InvariantCulture)
            $importStarted = [System.DateTimeOffset]::Parse((Get-WireTime 'importStartedAt'), [cultureinfo]::InvariantCulture)
            $started | Should -BeGreaterThan $foreignEnd
            # The evidence is our cycle's import, one second after our start, never the running cycle's.
            $importStarted | Should -Be $started.AddSeconds(1)
            @($result.connectors) | Should -HaveCount 2
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }
    }

    Context 'NotBefore' {
        It 'starts at once when NotBefore is already past, and reports it' {
            $result = Invoke-Runbook @{ NotBefore = '2026-01-05T07:59:00Z' }
            $result.outcome | Should -Be 'Succeeded'
            Get-WireTime 'cycleStartedAt' | Should -Be '2026-01-05T08:00:00.0000000Z'
            Get-WireTime 'notBefore' | Should -Be '2026-01-05T07:59:00.0000000Z'
            # The only sleeps are the polls while our own cycle runs (PollSeconds = 10).
            Should -Invoke Start-Sleep -Times 0 -Exactly -ParameterFilter { $Seconds -ne 10 }
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'reports notBefore as null when none was given' {
            (Invoke-Runbook).outcome | Should -Be 'Succeeded'
            Get-WireTime 'notBefore' | Should -BeNullOrEmpty
        }

        It 'sleeps until a NotBefore in the future, then starts its cycle' {
            $global:StartCalledAt = $null
            Mock Start-ADSyncSyncCycle {
                $global:StartCalledAt = $global:TestClock.Now
                $global:TestClock.Started = $global:TestClock.Now
                $global:CycleRunsUntil = $global:TestClock.Now.AddSeconds(45)
            }
            $result = Invoke-Runbook @{ NotBefore = '2026-01-05T08:02:00.000Z' }
            $result.outcome | Should -Be 'Succeeded'
            Should -Invoke Start-Sleep -Times 1 -Exactly -ParameterFilter { $Seconds -eq 120 }
            $global:StartCalledAt | Should -Be $script:Start.AddSeconds(120)
            Get-WireTime 'cycleStartedAt' | Should -Be '2026-01-05T08:02:00.0000000Z'
            Get-WireTime 'notBefore' | Should -Be '2026-01-05T08:02:00.0000000Z'
            $result.waitedForRunningCycleSeconds | Should -Be 0 -Because 'no one else''s cycle was waited for'
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'waits again for a cycle someone else started while it slept until NotBefore' {
            # Idle at 08:00:00; someone else's cycle runs from 08:01:30 to 08:03:00; NotBefore is 08:02:00.
            $global:ForeignStartsAt = $script:Start.AddSeconds(90)
            $global:ForeignBusyUntil = $script:Start.AddSeconds(180)
            Mock Get-ADSyncScheduler {
                $now = $global:TestClock.Now
                $foreign = $now -ge $global:ForeignStartsAt -and $now -lt $global:ForeignBusyUntil
                $ours = $null -ne $global:CycleRunsUntil -and $now -lt $global:CycleRunsUntil
                New-Scheduler -InProgress ($foreign -or $ours)
            }
            $result = Invoke-Runbook @{ NotBefore = '2026-01-05T08:02:00Z' }
            $result.outcome | Should -Be 'Succeeded'
            $started = [System.DateTimeOffset]::Parse((Get-WireTime 'cycleStartedAt'), [cultureinfo]::InvariantCulture)
            $started | Should -BeGreaterThan ([System.DateTimeOffset]::Parse('2026-01-05T08:03:00Z', [cultureinfo]::InvariantCulture))
            $result.waitedForRunningCycleSeconds | Should -BeGreaterOrEqual 60
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'reports BusyTimeout at once, without sleeping, when NotBefore lies beyond BusyWaitSeconds' {
            $result = Invoke-Runbook @{ NotBefore = '2026-01-05T08:20:00Z'; BusyWaitSeconds = 600 }
            $result.outcome | Should -Be 'BusyTimeout'
            $result.reason | Should -Match 'NotBefore 2026-01-05T08:20:00\.0000000Z'
            Get-WireTime 'importStartedAt' | Should -BeNullOrEmpty
            Should -Invoke Start-Sleep -Times 0 -Exactly
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }
    }

    Context 'BusyTimeout' {
        It 'gives up when someone else''s cycle outlasts BusyWaitSeconds, without starting' {
            $global:CycleRunsUntil = $script:Start.AddHours(5)
            $result = Invoke-Runbook @{ BusyWaitSeconds = 120 }
            $result.outcome | Should -Be 'BusyTimeout'
            $result.waitedForRunningCycleSeconds | Should -BeGreaterOrEqual 120
            Get-WireTime 'importStartedAt' | Should -BeNullOrEmpty -Because 'no cycle of ours ran, so nothing is covered'
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }

        It 'retries "Sync is already running" a bounded number of times' {
            Mock Start-ADSyncSyncCycle {
                throw [System.InvalidOperationException]::new('Sync is already running. Cannot start a new run till this one completes.')
            }
            $result = Invoke-Runbook @{ BusyRetryCount = 3 }
            $result.outcome | Should -Be 'BusyTimeout'
            $result.busyRetries | Should -Be 3
            $result.reason | Should -Match 'already running'
            Should -Invoke Start-ADSyncSyncCycle -Times 3 -Exactly
        }

        It 'recovers when "AAD is busy" passes' {
            $global:Refusals = 1
            Mock Start-ADSyncSyncCycle {
                if ($global:Refusals -gt 0) {
                    $global:Refusals--
                    throw [System.InvalidOperationException]::new('Connector: contoso.onmicrosoft.com - AAD is busy.')
                }
                $global:TestClock.Started = $global:TestClock.Now
                $global:CycleRunsUntil = $global:TestClock.Now.AddSeconds(45)
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Succeeded'
            $result.busyRetries | Should -Be 1
            Should -Invoke Start-ADSyncSyncCycle -Times 2 -Exactly
        }
    }

    Context 'Failed' {
        It 'reports a start failure that is not "busy" without retrying' {
            Mock Start-ADSyncSyncCycle { throw [System.InvalidOperationException]::new('The ADSync service is not running') }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Failed'
            $result.reason | Should -Be 'Failed while starting the cycle: The ADSync service is not running'
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'fails a cycle whose run profile did not complete' {
            Mock Get-ADSyncRunProfileResult {
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -Result 'no-start-connection'
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Failed'
            $result.reason | Should -Match 'corp\.contoso\.com Delta Import: no-start-connection'
        }

        It 'fails when the cycle left no run-profile results' {
            Mock Get-ADSyncRunProfileResult { }
            (Invoke-Runbook).outcome | Should -Be 'Failed'
            Get-WireTime 'importStartedAt' | Should -BeNullOrEmpty
        }

        It 'still writes its one result line when an ADSync cmdlet throws' {
            Mock Get-ADSyncScheduler { throw 'The term Get-ADSyncScheduler is not recognized' }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Failed'
            $result.reason | Should -Match '^Failed while reading the scheduler'
        }
    }

    Context 'TimedOut' {
        It 'reports a cycle that does not end within TimeoutSeconds' {
            Mock Start-ADSyncSyncCycle {
                $global:TestClock.Started = $global:TestClock.Now
                $global:CycleRunsUntil = $global:TestClock.Now.AddHours(10)
            }
            $result = Invoke-Runbook @{ TimeoutSeconds = 120 }
            $result.outcome | Should -Be 'TimedOut'
            $result.cycleEndedAt | Should -BeNullOrEmpty
            $result.reason | Should -Match '120 seconds'
        }
    }

    Context 'parameter validation' {
        BeforeAll {
            $script:Id = '4bf92f3577b34da6a3ce929d0e0e4736'
            # A binding refusal, not any error: a test that passes on whatever throws would pass for the wrong reason.
            $script:Refused = 'ParameterArgumentValidationError,Start-EntraSyncCycle.ps1'
        }

        It 'refuses a PolicyType outside Delta/Initial' {
            { & $script:Runbook -PolicyType 'Full' -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -PolicyType "Delta`n" -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
        }
        It 'refuses a free-text correlation id' {
            { & $script:Runbook -CorrelationId 'x; Remove-Item C:\' } | Should -Throw -ErrorId $script:Refused
        }
        It 'refuses an unbounded timeout' {
            { & $script:Runbook -TimeoutSeconds 999999 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -TimeoutSeconds 604801 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -TimeoutSeconds 59 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
        }
        It 'refuses a correlation id followed by a newline (.NET "$" would match before it; the pattern uses \z)' {
            { & $script:Runbook -CorrelationId "$($script:Id)`n" } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -CorrelationId "4bf92f35-77b3-4da6-a3ce-929d0e0e4736`n" } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -CorrelationId "`n$($script:Id)" } | Should -Throw -ErrorId $script:Refused
        }
        It 'refuses a NotBefore that is not an ISO 8601 UTC instant' {
            foreach ($text in @(
                    '2026-12-01T06:00:00+01:00', '2026-12-01T06:00:00', '2026-12-01 06:00:00Z', '2026-12-01t06:00:00z',
                    '2026-12-01T06:00:00.12345678Z', '2026-12-01T24:00:00Z', '2026-13-01T06:00:00Z', '2026-02-30T06:00:00Z',
                    "2026-12-01T06:00:00Z`n", " 2026-12-01T06:00:00Z", 'tomorrow', '1733032800',
                    # Arabic-Indic digit two: .NET \d would take it for a digit.
                    "$([char] 0x0662)026-12-01T06:00:00Z")) {
                { & $script:Runbook -NotBefore $text -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused -Because "'$text' is not ISO 8601 UTC"
            }
        }
        It 'refuses PollSeconds 0 (a tight polling loop on the sync engine)' {
            { & $script:Runbook -PollSeconds 0 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
        }
        It 'refuses out-of-range busy settings' {
            { & $script:Runbook -BusyRetryCount 0 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -BusyRetryCount 21 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -BusyWaitSeconds -1 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
            { & $script:Runbook -BusyRetrySeconds 601 -CorrelationId $script:Id } | Should -Throw -ErrorId $script:Refused
        }
        It 'accepts the longest timeout the service can send (SYNC_RUN_TIMEOUT_SECONDS is at most 604800)' {
            (Invoke-Runbook @{ TimeoutSeconds = 604800 }).outcome | Should -Be 'Succeeded'
        }
        It 'normalises a PolicyType typed in another case to the canonical spelling' {
            Invoke-Runbook @{ PolicyType = 'initial' } | Out-Null
            # -ceq / -cmatch: the default comparisons ignore case and could not tell 'initial' from 'Initial'.
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly -ParameterFilter { $PolicyType -ceq 'Initial' }
            $global:LastResultLine | Should -MatchExactly '"policyType":"Initial"'
        }
        It 'normalises DELTA too' {
            Invoke-Runbook @{ PolicyType = 'DELTA' } | Out-Null
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly -ParameterFilter { $PolicyType -ceq 'Delta' }
            $global:LastResultLine | Should -MatchExactly '"policyType":"Delta"'
        }
        It 'accepts a GUID correlation id in upper case and reports it in lower case' {
            (Invoke-Runbook @{ CorrelationId = '4BF92F35-77B3-4DA6-A3CE-929D0E0E4736' }).correlationId |
                Should -BeExactly '4bf92f35-77b3-4da6-a3ce-929d0e0e4736'
        }
    }

    Context 'the ADSync module' {
        BeforeEach {
            # As on a Connect server where no one has imported ADSync yet: its cmdlets are not commands.
            Mock Get-Command { } -ParameterFilter { $Name -eq 'Get-ADSyncScheduler' }
        }

        It 'is imported by full path under ProgramFiles when its cmdlets are not loaded' {
            (Invoke-Runbook).outcome | Should -Be 'Succeeded'
            $expected = Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft Azure AD Sync\Bin\ADSync'
            Should -Invoke Import-Module -Times 1 -Exactly -ParameterFilter { $Name -eq $expected }
        }

        It 'is not imported again when its cmdlets are already there' {
            Mock Get-Command { [pscustomobject] @{ Name = 'Get-ADSyncScheduler' } } -ParameterFilter { $Name -eq 'Get-ADSyncScheduler' }
            (Invoke-Runbook).outcome | Should -Be 'Succeeded'
            Should -Invoke Import-Module -Times 0 -Exactly
        }

        It 'reports Failed in its one result line when the module cannot be imported' {
            Mock Import-Module { throw "The specified module 'ADSync' was not loaded" }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Failed'
            $result.reason | Should -Match '^Failed while importing the ADSync module'
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }

        It 'reports Failed in its one result line on a machine without ProgramFiles' {
            $env:ProgramFiles = $null
            try {
                $result = Invoke-Runbook
            } finally {
                $env:ProgramFiles = Join-Path ([System.IO.Path]::GetTempPath()) 'entra-sync-trigger-tests-ProgramFiles'
            }
            $result.outcome | Should -Be 'Failed'
            $result.reason | Should -Match '^Failed while importing the ADSync module'
        }
    }

    Context 'ADSync scheduler states' {
        It 'checks staging mode first: a staging server in the middle of its own cycle is still skipped, without waiting' {
            Mock Get-ADSyncScheduler { New-Scheduler -Staging $true -InProgress $true -Suspended $true }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'SkippedStagingMode'
            $result.waitedForRunningCycleSeconds | Should -Be 0
            Should -Invoke Start-Sleep -Times 0 -Exactly
            Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
        }

        It 'waits for a cycle seen only as a Busy connector (the scheduler flag not yet set) before starting ours' {
            $global:ForeignBusyUntil = $script:Start.AddSeconds(40)
            Mock Get-ADSyncConnectorRunStatus {
                if ($global:TestClock.Now -lt $global:ForeignBusyUntil) {
                    [pscustomobject] @{ ConnectorName = 'corp.contoso.com'; RunState = 'Busy' }
                }
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Succeeded'
            $result.waitedForRunningCycleSeconds | Should -BeGreaterOrEqual 40
            Get-WireTime 'cycleStartedAt' | Should -Not -Be '2026-01-05T08:00:00.0000000Z'
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'does not take one idle poll between two busy ones for the end of a cycle' {
            # Someone else's cycle: Busy, idle for one poll (between run profiles), Busy again, then idle for good.
            $global:ForeignPolls = 0
            Mock Get-ADSyncConnectorRunStatus {
                if ($null -eq $global:CycleRunsUntil) {
                    $global:ForeignPolls++
                    if ($global:ForeignPolls -in 1, 3, 4) { [pscustomobject] @{ ConnectorName = 'corp.contoso.com'; RunState = 'Busy' } }
                }
            }
            Invoke-Runbook | Out-Null
            # Polls 1 (busy), 2 (idle: not enough), 3 and 4 (busy), 5 and 6 (idle twice): start after the sixth.
            $global:ForeignPolls | Should -Be 6
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }
    }

    Context 'the end of our own cycle, when the next cycle follows it closely' {
        # PollSeconds = 10. Our cycle starts at 08:00:00 and runs until CycleRunsUntil; the runbook reads the server at
        # 08:00:10, :20, ... The next cycle (a job queued behind ours, or the scheduler) runs NextCycleFrom to
        # NextCycleUntil; FlickerAt is one reading at which our cycle, between two steps, looks idle.
        BeforeEach {
            $global:NextCycleFrom = $null
            $global:NextCycleUntil = $null
            $global:FlickerAt = $null
            $global:OurRuns = @()
            $global:NextRuns = @()
            Mock Get-ADSyncScheduler {
                $now = $global:TestClock.Now
                $ours = $null -ne $global:CycleRunsUntil -and $now -lt $global:CycleRunsUntil -and $now -ne $global:FlickerAt
                $next = $null -ne $global:NextCycleFrom -and $now -ge $global:NextCycleFrom -and $now -lt $global:NextCycleUntil
                New-Scheduler -InProgress ($ours -or $next)
            }
            # As ADSync: newest first, and only runs recorded by the time of the call (when they started, unless told).
            Mock Get-ADSyncRunProfileResult {
                @($global:OurRuns) + @($global:NextRuns) | Where-Object {
                    $global:TestClock.Started.AddSeconds($_.Recorded) -le $global:TestClock.Now
                } | ForEach-Object {
                    New-Run -Connector $_.Connector -RunProfile $_.RunProfile -OffsetSeconds $_.At -Result $_.Result -ExportFailure $_.ExportFailure -StageAdd 1
                } | Sort-Object -Property StartDate -Descending
            }
            function global:New-RunSpec {
                param([string] $Connector, [string] $RunProfile, [int] $At, [string] $Result = 'success', [int] $ExportFailure = 0,
                    [object] $Recorded = $null)
                if ($null -eq $Recorded) { $Recorded = $At }
                @{ Connector = $Connector; RunProfile = $RunProfile; At = $At; Result = $Result; ExportFailure = $ExportFailure; Recorded = $Recorded }
            }
            $global:OurRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 1
                New-RunSpec 'corp.contoso.com' 'Delta Synchronization' 12
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 30
            )
        }
        AfterEach {
            Remove-Item -Path 'function:global:New-RunSpec' -ErrorAction SilentlyContinue
        }

        It 'ends at its first idle reading when the next cycle (<NextPolicy>) starts before its second, and reports only its own runs' -ForEach @(
            @{ NextPolicy = 'Delta'; NextImport = 'Delta Import'; NextSync = 'Delta Synchronization' }
            @{ NextPolicy = 'Initial'; NextImport = 'Full Import'; NextSync = 'Full Synchronization' }
        ) {
            # Ours ends at 08:00:45: idle at 08:00:50. The next cycle starts at 08:00:55, so the reading at 08:01:00 is busy.
            $global:NextCycleFrom = $script:Start.AddSeconds(55)
            $global:NextCycleUntil = $script:Start.AddSeconds(100)
            $global:NextRuns = @(
                New-RunSpec 'corp.contoso.com' $NextImport 55
                New-RunSpec 'corp.contoso.com' $NextSync 66
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 85 -Result 'completed-export-errors' -ExportFailure 3
            )
            $result = Invoke-Runbook
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:00:50.0000000Z'
            # It stopped waiting at the reading that saw the next cycle, not at that cycle's end.
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(60)
            $result.outcome | Should -Be 'Succeeded' -Because 'the next cycle''s export errors are not ours'
            $result.exportErrors | Should -Be 0
            @($result.connectors) | Should -HaveCount 3
            @($result.connectors | ForEach-Object { $_.runProfile }) | Should -Be @('Delta Import', 'Delta Synchronization', 'Export')
            Get-WireTime 'importStartedAt' | Should -Be '2026-01-05T08:00:01.0000000Z'
            Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        }

        It 'reads the history again at the next busy reading when the next cycle''s first run is not recorded yet' {
            # The next cycle shows as running from 08:00:55, but its first run (started 08:00:57) is in the history only
            # from 08:01:05: the reading at 08:01:00 cannot tell, the one at 08:01:10 can.
            $global:NextCycleFrom = $script:Start.AddSeconds(55)
            $global:NextCycleUntil = $script:Start.AddSeconds(100)
            $global:NextRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 57 -Recorded 65
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 85 -Result 'completed-export-errors' -ExportFailure 3
            )
            $result = Invoke-Runbook
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:00:50.0000000Z'
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(70)
            $result.outcome | Should -Be 'Succeeded'
            @($result.connectors) | Should -HaveCount 3
        }

        It 'ends when the next cycle (<NextPolicy>) starts less than a poll after its end, with no idle reading between, and reports its own end and runs' -ForEach @(
            @{ NextPolicy = 'Delta'; NextImport = 'Delta Import'; NextSync = 'Delta Synchronization' }
            @{ NextPolicy = 'Initial'; NextImport = 'Full Import'; NextSync = 'Full Synchronization' }
        ) {
            # Ours ends at 08:00:45 (its last run, the export, 08:00:30 to :40). The next cycle, a job queued behind ours
            # that woke from its NotBefore and saw idle once, starts at 08:00:47: the runbook reads busy at :40 and at
            # :50, never idle in between.
            $global:NextCycleFrom = $script:Start.AddSeconds(47)
            $global:NextCycleUntil = $script:Start.AddSeconds(100)
            $global:NextRuns = @(
                New-RunSpec 'corp.contoso.com' $NextImport 47
                New-RunSpec 'corp.contoso.com' $NextSync 60
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 85 -Result 'completed-export-errors' -ExportFailure 3
            )
            $result = Invoke-Runbook
            # The end of its own last run, by the run history, not the next cycle's end.
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:00:40.0000000Z'
            # It stopped waiting at the reading that saw the next cycle.
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(50)
            $result.outcome | Should -Be 'Succeeded' -Because 'the next cycle''s export errors are not ours'
            @($result.connectors | ForEach-Object { $_.runProfile }) | Should -Be @('Delta Import', 'Delta Synchronization', 'Export')
            Get-WireTime 'importStartedAt' | Should -Be '2026-01-05T08:00:01.0000000Z'
        }

        It 'reads the history again at the next busy reading when the back-to-back cycle''s first run is not recorded yet' {
            # The next cycle starts at 08:00:47 but its first run is in the history only from 08:00:55.
            $global:NextCycleFrom = $script:Start.AddSeconds(47)
            $global:NextCycleUntil = $script:Start.AddSeconds(100)
            $global:NextRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 47 -Recorded 55
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 85 -Result 'completed-export-errors' -ExportFailure 3
            )
            $result = Invoke-Runbook
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:00:40.0000000Z'
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(60)
            $result.outcome | Should -Be 'Succeeded'
            @($result.connectors) | Should -HaveCount 3
        }

        It 'after an idle reading between two of its own steps, still ends at its last run when the next cycle follows it back to back' {
            # Idle for one reading at 08:00:20 (between import and sync); its export runs 08:00:35 to :45; the next
            # cycle starts at 08:00:47, so the readings at :30, :40 and :50 are busy.
            $global:FlickerAt = $script:Start.AddSeconds(20)
            $global:OurRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 1
                New-RunSpec 'corp.contoso.com' 'Delta Synchronization' 25
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 35
            )
            $global:NextCycleFrom = $script:Start.AddSeconds(47)
            $global:NextCycleUntil = $script:Start.AddSeconds(100)
            $global:NextRuns = @(New-RunSpec 'corp.contoso.com' 'Delta Import' 47)
            $result = Invoke-Runbook
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:00:45.0000000Z' -Because 'its own steps after 08:00:20 show that reading was not its end'
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(50)
            @($result.connectors) | Should -HaveCount 3
        }

        It 'does not take the tail of the cycle before it, recorded just before its start, for a step of its own' {
            # Someone else's cycle ended just before ours started at 08:00:00: its export (07:59:57 to :59) lies within
            # the run-start skew. Our own import at 08:00:01 follows that export but is no next cycle.
            $global:OurRuns = @(
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' -3
                New-RunSpec 'corp.contoso.com' 'Delta Import' 1
                New-RunSpec 'corp.contoso.com' 'Delta Synchronization' 12
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 30
            )
            $result = Invoke-Runbook
            # Ours ends at 08:00:45: idle at :50 and 08:01:00.
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:01:00.0000000Z'
            $global:TestClock.Now | Should -Be $script:Start.AddSeconds(60)
            $result.outcome | Should -Be 'Succeeded'
        }

        It 'keeps waiting through a reading between two of its own steps: a run that repeats no step of its cycle is not the next cycle' {
            # Idle for one reading at 08:00:20, between our import and our sync, which starts after that reading.
            $global:FlickerAt = $script:Start.AddSeconds(20)
            $global:OurRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 1
                New-RunSpec 'corp.contoso.com' 'Delta Synchronization' 25
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 35
            )
            $result = Invoke-Runbook
            # Busy at 08:00:30 and :40; idle at :50 and 08:01:00.
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:01:00.0000000Z'
            $result.outcome | Should -Be 'Succeeded'
            @($result.connectors) | Should -HaveCount 3
            # At each busy reading (08:00:10, :30, :40) the history is read without step details, to tell whose cycle
            # runs; with them once, for the results.
            Should -Invoke Get-ADSyncRunProfileResult -Times 3 -Exactly -ParameterFilter { -not $RunStepDetails }
            Should -Invoke Get-ADSyncRunProfileResult -Times 1 -Exactly -ParameterFilter { $RunStepDetails }
        }

        It 'counts a last short step of its own that ran between its two idle readings' {
            # Idle for one reading at 08:00:50 between our sync and a 3-second export (08:00:52 to :55); idle again at 08:01:00.
            $global:CycleRunsUntil = $null
            Mock Start-ADSyncSyncCycle {
                $global:TestClock.Started = $global:TestClock.Now
                $global:CycleRunsUntil = $global:TestClock.Now.AddSeconds(55)
            }
            $global:FlickerAt = $script:Start.AddSeconds(50)
            $global:OurRuns = @(
                New-RunSpec 'corp.contoso.com' 'Delta Import' 1
                New-RunSpec 'corp.contoso.com' 'Delta Synchronization' 12
                New-RunSpec 'contoso.onmicrosoft.com - AAD' 'Export' 52 -Result 'completed-export-errors' -ExportFailure 2
            )
            $result = Invoke-Runbook
            Get-WireTime 'cycleEndedAt' | Should -Be '2026-01-05T08:01:00.0000000Z'
            $result.outcome | Should -Be 'CompletedWithExportErrors'
            $result.exportErrors | Should -Be 2
            @($result.connectors) | Should -HaveCount 3
        }
    }

    Context 'TimedOut details' {
        It 'lists the run profiles of our cycle seen so far and reports no end time' {
            Mock Start-ADSyncSyncCycle {
                $global:TestClock.Started = $global:TestClock.Now
                $global:CycleRunsUntil = $global:TestClock.Now.AddHours(10)
            }
            $result = Invoke-Runbook @{ TimeoutSeconds = 120 }
            $result.outcome | Should -Be 'TimedOut'
            Get-WireTime 'cycleEndedAt' | Should -BeNullOrEmpty
            # The run from an earlier cycle (an hour before ours) is not among them.
            @($result.connectors) | Should -HaveCount 3
            @($result.connectors | Where-Object { $_.result -eq 'stopped-server-down' }) | Should -HaveCount 0
            # The import of our cycle did start (and read AD) although the cycle has not ended.
            Get-WireTime 'importStartedAt' | Should -Be '2026-01-05T08:00:01.0000000Z'
        }
    }

    Context 'run-profile results' {
        It 'lets completed-* results other than export errors stand' {
            Mock Get-ADSyncRunProfileResult {
                New-Run -Connector 'corp.contoso.com' -RunProfile 'Delta Import' -Result 'completed-no-objects'
                New-Run -Connector 'contoso.onmicrosoft.com - AAD' -RunProfile 'Export' -Result 'completed-warnings' -OffsetSeconds 30
            }
            $result = Invoke-Runbook
            $result.outcome | Should -Be 'Succeeded'
            $result.reason | Should -Be 'Delta cycle completed on 2 connector(s)'
        }
    }
}
