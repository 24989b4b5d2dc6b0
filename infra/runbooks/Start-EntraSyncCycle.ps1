<#
.SYNOPSIS
    Starts one Microsoft Entra Connect sync cycle safely, waits for it to end and reports how it ended.

.DESCRIPTION
    Runs on the extension-based Hybrid Runbook Worker installed on the Entra Connect server (Windows PowerShell 5.1),
    started by entra-sync-trigger through Azure Automation with runOn = the worker group.

    1. Guards (Get-ADSyncScheduler): a staging server is never synced (SkippedStagingMode); a disabled or suspended
       scheduler (upgrade, configuration wizard open) is respected (SkippedSchedulerSuspended).
    2. A cycle already in progress is waited for, then ours is started anyway: the running cycle may have read AD
       before the change that asked for ours. With NotBefore, ours is started no earlier than that instant: the
       runbook sleeps until then and waits again for any cycle someone started meanwhile.
    3. Start-ADSyncSyncCycle is retried a bounded number of times on "Sync is already running" / "AAD is busy".
    4. Start-ADSyncSyncCycle returns when the cycle has STARTED; the runbook waits for its end (timeout: TimedOut):
       idle on two polls in a row, or a busy poll whose run history shows the next cycle's first run (an import
       after our synchronization or export: a job queued behind ours, or the scheduler, started between our two
       idle polls, or less than a poll after our end; ours ended at that idle poll, or when its last run ended).
    5. The run-profile results of this cycle (runs from its start up to its end, or up to the next cycle's first
       run) are collected per connector (result, counters, errors), and the start
       of its first import run profile is reported as importStartedAt: the import reads every change made before
       that moment, so the service counts a change as covered by this cycle only if it was accepted before it.

    Output contract: exactly ONE compact JSON line, written last, with schema 'entra-sync-trigger/cycle-result@1'
    (parsed by src/domain/runbookResult.ts). importStartedAt was added within @1 as an optional field (null when no
    import run of this cycle was seen): a parser that predates it ignores it. Everything else goes to the Verbose and Warning streams; nothing else
    is ever written to the Output stream. Outcomes: Succeeded, CompletedWithExportErrors, SkippedStagingMode,
    SkippedSchedulerSuspended, BusyTimeout, Failed, TimedOut.

    The ADSync cmdlets are called by name so that tests can mock them (infra/runbooks/tests).

.PARAMETER PolicyType
    Delta (default) or Initial (full import and full sync on every connector; can take hours). Accepted in any case
    and passed on, and reported, as exactly 'Delta' or 'Initial'.

.PARAMETER TimeoutSeconds
    How long to wait for our cycle to end before reporting TimedOut (the cycle itself is left running: stopping it
    is the operator's or the service's decision). At most 604800 (7 days), the largest run timeout the service
    accepts (SYNC_RUN_TIMEOUT_SECONDS), so that whatever it sends is taken.

.PARAMETER CorrelationId
    A GUID or 32 hex digits, echoed in the result line. Validated so that no free text reaches this server.

.PARAMETER NotBefore
    An instant in ISO 8601 UTC (2026-12-01T06:00:00Z or 2026-12-01T06:00:00.000Z, up to 7 fraction digits, 'Z'
    only); the cycle is started no earlier. Empty (the default): no constraint. A time already past changes nothing.
    The sleep until then counts toward BusyWaitSeconds: a NotBefore beyond that budget is BusyTimeout at once,
    without waiting. Reported back as notBefore in the result line (a parser that predates it ignores it).
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
    [ValidateSet('Delta', 'Initial')]
    [string] $PolicyType = 'Delta',

    [ValidateRange(60, 604800)]
    [int] $TimeoutSeconds = 3600,

    # \A and \z, not ^ and $: in .NET '$' also matches before a trailing newline, which would let "<id>`n" through.
    [ValidatePattern('\A(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\z')]
    [string] $CorrelationId = '00000000000000000000000000000000',

    # ISO 8601 UTC, 'Z' only, or empty. [0-9], not \d: in .NET \d also matches other scripts' digits. Options None:
    # ValidatePattern ignores case by default. The pattern bounds each field; the script rejects what the pattern
    # cannot (2026-02-30). Self-contained: it runs at binding, before any function of this file exists.
    [ValidatePattern('\A(?:|[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,7})?Z)\z', Options = 'None')]
    [ValidateScript({
            $parsed = [datetime]::MinValue
            $_ -eq '' -or [datetime]::TryParseExact($_, 'yyyy-MM-dd''T''HH:mm:ss.FFFFFFF''Z''', [cultureinfo]::InvariantCulture,
                [System.Globalization.DateTimeStyles] 'AdjustToUniversal, AssumeUniversal', [ref] $parsed)
        })]
    [string] $NotBefore = '',

    # Seconds between status polls while waiting. At least 1: 0 would poll the sync engine in a tight loop. 5, not
    # more: a poll is two local cmdlet calls, and the two idle polls in a row that an end needs (Wait-SyncCycleIdle)
    # make a waiting job start, and cycleEndedAt lag the real end, by 1 to 2 polls (5-10 s; 15 s made it 15-30 s).
    [ValidateRange(1, 300)]
    [int] $PollSeconds = 5,

    # How long to wait for a cycle someone else started before giving up with BusyTimeout.
    [ValidateRange(0, 86400)]
    [int] $BusyWaitSeconds = 1800,

    # Start attempts refused with "already running" / "AAD is busy" before BusyTimeout.
    [ValidateRange(1, 20)]
    [int] $BusyRetryCount = 5,

    # Pause between two refused start attempts.
    [ValidateRange(0, 600)]
    [int] $BusyRetrySeconds = 30
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# ValidateSet compares without case, so 'initial' arrives as typed. Start-ADSyncSyncCycle and the result line (whose
# parser, src/domain/runbookResult.ts, accepts exactly 'Delta' or 'Initial') get the canonical spelling.
foreach ($canonicalPolicyType in @('Delta', 'Initial')) {
    if ($PolicyType -eq $canonicalPolicyType) { $PolicyType = $canonicalPolicyType }
}

$ResultSchema = 'entra-sync-trigger/cycle-result@1'
# Run history and our clock may disagree by a little; a run that started this much before our start is still ours
# (nothing else can start in that window: we only start once the engine is idle).
$RunStartSkewSeconds = 5
$MaxReasonLength = 400

function Get-UtcNow {
    (Get-Date).ToUniversalTime()
}

function ConvertTo-UtcDate {
    param([object] $Value)
    $time = [datetime] $Value
    # ADSync run history is kept in UTC; an Unspecified kind is therefore taken as UTC, not converted.
    if ($time.Kind -eq [DateTimeKind]::Local) { $time = $time.ToUniversalTime() }
    [datetime]::SpecifyKind($time, [DateTimeKind]::Utc)
}

function ConvertFrom-NotBefore {
    <# The NotBefore parameter as a UTC [datetime], or $null when it is empty (validated at binding). #>
    param([string] $Text)
    if ($Text -eq '') { return $null }
    [datetime]::ParseExact($Text, 'yyyy-MM-dd''T''HH:mm:ss.FFFFFFF''Z''', [cultureinfo]::InvariantCulture,
        [System.Globalization.DateTimeStyles] 'AdjustToUniversal, AssumeUniversal')
}

function ConvertTo-IsoTime {
    param([object] $Value)
    if ($null -eq $Value) { return $null }
    (ConvertTo-UtcDate $Value).ToString('o')
}

function Format-Reason {
    param([string] $Text)
    $oneLine = ($Text -replace '\s+', ' ').Trim()
    if ($oneLine.Length -gt $MaxReasonLength) { $oneLine = $oneLine.Substring(0, $MaxReasonLength - 3) + '...' }
    $oneLine
}

function Test-BusyError {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $message = '{0} {1}' -f $ErrorRecord.Exception.Message, $ErrorRecord.ToString()
    $message -match 'Sync is already running|AAD is busy|is busy\.'
}

function Import-ADSyncModule {
    # The ADSync module installs outside $PSModulePath: import it by full path when its cmdlets are not there yet.
    if (Get-Command -Name 'Get-ADSyncScheduler' -ErrorAction SilentlyContinue) { return }
    # Built here, inside the caller's try, so that even a machine without %ProgramFiles% gets its one result line.
    $modulePath = Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft Azure AD Sync\Bin\ADSync'
    Write-Verbose "Importing ADSync from $modulePath"
    Import-Module -Name $modulePath -ErrorAction Stop -Verbose:$false
}

function Test-SyncCycleRunning {
    # Two signals: the scheduler's flag and any connector still Busy. Either means a cycle is in progress.
    $scheduler = Get-ADSyncScheduler
    if ($scheduler.SyncCycleInProgress) { return $true }
    $busy = @(Get-ADSyncConnectorRunStatus | Where-Object { $_ -and $_.RunState -eq 'Busy' })
    return ($busy.Count -gt 0)
}

function Wait-SyncCycleIdle {
    <#
        Waits until no cycle runs, up to $Deadline. Returns $true when idle. Connector RunState drops out of Busy
        for a moment between steps (Texarkana College's observation), so idle must be seen on two polls in a row.
    #>
    param([datetime] $Deadline)
    $idlePolls = 0
    while ($true) {
        if (Test-SyncCycleRunning) {
            $idlePolls = 0
        } else {
            $idlePolls++
            if ($idlePolls -ge 2) { return $true }
        }
        if ((Get-UtcNow) -ge $Deadline) { return $false }
        Start-Sleep -Seconds $PollSeconds
    }
}

function Wait-ForeignCycle {
    <#
        When a cycle someone else started is running, waits for its end (Wait-SyncCycleIdle) up to $Deadline and adds
        the wait to waitedForRunningCycleSeconds. Returns $false, with the outcome BusyTimeout set, when it outlasts
        the deadline; $true when the engine is idle.
    #>
    param($Result, [datetime] $Deadline)
    if (-not (Test-SyncCycleRunning)) { return $true }
    Write-Verbose 'A sync cycle is in progress; waiting for it to end before starting ours'
    $waitStartedAt = Get-UtcNow
    $idle = Wait-SyncCycleIdle -Deadline $Deadline
    $Result.waitedForRunningCycleSeconds += [int] ((Get-UtcNow) - $waitStartedAt).TotalSeconds
    if (-not $idle) {
        Set-Outcome -Result $Result -Outcome 'BusyTimeout' -Reason "A sync cycle started by someone else was still running after $BusyWaitSeconds seconds"
    }
    return $idle
}

function Get-StepCounterSum {
    param([object[]] $Steps, [string[]] $Names)
    $sum = 0
    foreach ($step in $Steps) {
        if ($null -eq $step) { continue }
        foreach ($name in $Names) {
            $property = $step.PSObject.Properties[$name]
            if ($null -ne $property -and $null -ne $property.Value) {
                $number = 0
                if ([int]::TryParse([string] $property.Value, [ref] $number)) { $sum += $number }
            }
        }
    }
    [int] $sum
}

function Get-RunsSince {
    <#
        The raw run-profile results of runs that started at or after $Since (less $RunStartSkewSeconds) and, with
        $Until, strictly before it; oldest first. -WithoutStepDetails leaves out the step counters, the costly part
        of the read: enough to tell whose cycle runs.
    #>
    param([datetime] $Since, [object] $Until = $null, [switch] $WithoutStepDetails)
    $from = $Since.AddSeconds(-$RunStartSkewSeconds)
    $query = @{ NumberRequested = 100 }
    if (-not $WithoutStepDetails) { $query.RunStepDetails = $true }
    @(Get-ADSyncRunProfileResult @query | Where-Object {
            $_ -and $null -ne $_.StartDate -and (ConvertTo-UtcDate $_.StartDate) -ge $from -and
            ($null -eq $Until -or (ConvertTo-UtcDate $_.StartDate) -lt $Until)
        } | Sort-Object -Property StartDate)
}

function Get-CycleRunResults {
    <#
        The run-profile results of runs that started at or after $Since and, with $Until, before it; oldest first,
        one entry per run. $Until keeps the next cycle's runs (a job queued behind ours) out of our cycle's results.
    #>
    param([datetime] $Since, [object] $Until = $null)
    foreach ($run in (Get-RunsSince -Since $Since -Until $Until)) {
        $steps = @()
        if ($run.PSObject.Properties['RunStepResults'] -and $null -ne $run.RunStepResults) { $steps = @($run.RunStepResults) }
        [pscustomobject] @{
            connector  = [string] $run.ConnectorName
            runProfile = [string] $run.RunProfileName
            result     = [string] $run.Result
            startedAt  = ConvertTo-IsoTime $run.StartDate
            endedAt    = ConvertTo-IsoTime $run.EndDate
            adds       = Get-StepCounterSum -Steps $steps -Names @('StageAdd', 'ExportAdd')
            updates    = Get-StepCounterSum -Steps $steps -Names @('StageUpdate', 'StageRename', 'ExportUpdate', 'ExportRename')
            deletes    = Get-StepCounterSum -Steps $steps -Names @('StageDelete', 'StageDeleteAdd', 'ExportDelete', 'ExportDeleteAdd')
            errors     = Get-StepCounterSum -Steps $steps -Names @('StageFailure', 'ExportFailure')
            exportErrors = Get-StepCounterSum -Steps $steps -Names @('ExportFailure')
        }
    }
}

function Get-RunStepKind {
    <# A run's kind of step: Import (Delta or Full), Synchronization (Delta or Full), Export, or its run profile's name. #>
    param($Run)
    $kind = [string] $Run.RunProfileName
    if ($kind -match 'Import') { return 'Import' }
    if ($kind -match 'Sync') { return 'Synchronization' }
    if ($kind -match 'Export') { return 'Export' }
    $kind
}

function Find-NextCycleRun {
    <#
        The first run of the cycle after ours in $Runs (the run history since our start, oldest first), or $null
        while it shows none. A cycle runs its imports, then its synchronizations, then its exports, each once per
        connector: an import run that started after a synchronization or export of our cycle, or that repeats the
        import of a connector our cycle already imported, is the next cycle's first run (a job queued behind ours,
        or the scheduler). Our cycle's runs started at or after $CycleStartedAt: the tail of the cycle before ours,
        which the history may list just before our start, is not taken for a step of ours.
    #>
    param([datetime] $CycleStartedAt, [object[]] $Runs)
    $laterStepSeen = $false
    $imported = @{}
    foreach ($run in $Runs) {
        $kind = Get-RunStepKind $run
        $ours = (ConvertTo-UtcDate $run.StartDate) -ge $CycleStartedAt
        if ($kind -eq 'Import') {
            if ($laterStepSeen -or $imported.ContainsKey([string] $run.ConnectorName)) { return $run }
            if ($ours) { $imported[[string] $run.ConnectorName] = $true }
        } elseif ($ours) {
            $laterStepSeen = $true
        }
    }
    $null
}

function Test-RunStartedAfter {
    <# Whether a run in $Runs started after $Time: our cycle took another step after that idle reading. #>
    param([object[]] $Runs, [datetime] $Time)
    @($Runs | Where-Object { (ConvertTo-UtcDate $_.StartDate) -gt $Time }).Count -gt 0
}

function Get-OwnCycleEnd {
    <#
        When our cycle ended, once the next cycle's first run ($NextRun) is in the history: at our idle reading
        between the two ($IdleSeenAt) when we saw one and our cycle took no step after it; else, when the next cycle
        started less than a poll after ours ended (no reading of ours was idle in between), when the last of our runs
        before it ended, by the run history (at the latest, when the next cycle's first run started).
    #>
    param([object[]] $Runs, $NextRun, [object] $IdleSeenAt)
    $nextStart = ConvertTo-UtcDate $NextRun.StartDate
    $ours = @($Runs | Where-Object { (ConvertTo-UtcDate $_.StartDate) -lt $nextStart })
    if ($null -ne $IdleSeenAt -and -not (Test-RunStartedAfter -Runs $ours -Time $IdleSeenAt)) { return $IdleSeenAt }
    # Sort-Object, not Measure-Object -Maximum: Windows PowerShell 5.1 measures numbers only.
    $ends = @($ours | Where-Object { $null -ne $_.EndDate } | ForEach-Object { ConvertTo-UtcDate $_.EndDate } | Sort-Object)
    if ($ends.Count -eq 0 -or $ends[-1] -gt $nextStart) { return $nextStart }
    $ends[-1]
}

function Wait-OwnCycleEnd {
    <#
        Waits for the end of the cycle this runbook started at $CycleStartedAt, up to $Deadline. Returns $null on
        the deadline, else the end: EndedAt (reported as cycleEndedAt) and RunsBefore (our cycle's runs started
        before it). Idle on two polls in a row is the end, as in Wait-SyncCycleIdle. But a job queued behind ours
        (or the scheduler) starts its cycle as soon as it sees idle, possibly between our two idle readings, or
        less than a poll after our end, before we read idle at all; then a cycle runs again at our next reading.
        At every busy reading the run history (Find-NextCycleRun) tells whose it is: the next cycle, so ours has
        ended (Get-OwnCycleEnd) and its runs are the ones that started before the next cycle's first run; or our
        own, between two steps, and the wait goes on. An idle reading the history has not explained yet (the run
        that made the server busy may not be recorded yet) is kept until it does.
    #>
    param([datetime] $CycleStartedAt, [datetime] $Deadline)
    $idleSince = $null        # the first idle reading of the current run of idle readings
    $undecidedIdleAt = $null  # an idle reading followed by busy ones, whose cycle the history has not told yet
    while ($true) {
        if (Test-SyncCycleRunning) {
            if ($null -ne $idleSince) { $undecidedIdleAt = $idleSince; $idleSince = $null }
            $runs = @(Get-RunsSince -Since $CycleStartedAt -WithoutStepDetails)
            $next = Find-NextCycleRun -CycleStartedAt $CycleStartedAt -Runs $runs
            if ($null -ne $next) {
                Write-Verbose "The next sync cycle started at $(ConvertTo-IsoTime $next.StartDate); ours had ended"
                $endedAt = Get-OwnCycleEnd -Runs $runs -NextRun $next -IdleSeenAt $undecidedIdleAt
                return [pscustomobject] @{ EndedAt = $endedAt; RunsBefore = (ConvertTo-UtcDate $next.StartDate) }
            }
            if ($null -ne $undecidedIdleAt -and (Test-RunStartedAfter -Runs $runs -Time $undecidedIdleAt)) { $undecidedIdleAt = $null }
        } elseif ($null -eq $idleSince) {
            $idleSince = Get-UtcNow
        } else {
            $seenAt = Get-UtcNow
            return [pscustomobject] @{ EndedAt = $seenAt; RunsBefore = $seenAt }
        }
        if ((Get-UtcNow) -ge $Deadline) { return $null }
        Start-Sleep -Seconds $PollSeconds
    }
}

function New-CycleResult {
    [ordered]@{
        schema                       = $ResultSchema
        outcome                      = 'Failed'
        reason                       = 'The runbook did not finish its work'
        correlationId                = $CorrelationId.ToLowerInvariant()
        policyType                   = $PolicyType
        notBefore                    = ConvertTo-IsoTime (ConvertFrom-NotBefore $NotBefore)
        cycleStartedAt               = $null
        cycleEndedAt                 = $null
        importStartedAt              = $null
        exportErrors                 = 0
        busyRetries                  = 0
        waitedForRunningCycleSeconds = 0
        connectors                   = @()
    }
}

function Set-Outcome {
    param($Result, [string] $Outcome, [string] $Reason)
    $Result.outcome = $Outcome
    $Result.reason = Format-Reason $Reason
}

function Get-ImportStartedAt {
    <# When the first import run profile ("Delta Import", "Full Import") of these runs started, or $null. #>
    param([object[]] $Runs)
    # Get-CycleRunResults returns runs oldest first, so the first import run is the earliest.
    $imports = @($Runs | Where-Object { $_ -and $_.runProfile -match 'Import' -and $null -ne $_.startedAt })
    if ($imports.Count -eq 0) { return $null }
    $imports[0].startedAt
}

function Complete-FromRunResults {
    <# Decides the outcome of a cycle that ended, from its run-profile results. #>
    param($Result, [object[]] $Runs)
    $Result.connectors = @($Runs | ForEach-Object {
            [ordered]@{
                connector = $_.connector; runProfile = $_.runProfile; result = $_.result
                startedAt = $_.startedAt; endedAt = $_.endedAt
                adds = $_.adds; updates = $_.updates; deletes = $_.deletes; errors = $_.errors
            }
        })
    $Result.importStartedAt = Get-ImportStartedAt $Runs
    if ($Runs.Count -eq 0) {
        Set-Outcome -Result $Result -Outcome 'Failed' -Reason 'The cycle ended but no run-profile results were found for it'
        return
    }
    $exportErrorRuns = @($Runs | Where-Object { $_.result -eq 'completed-export-errors' })
    $exportErrors = [int] (($Runs | Measure-Object -Property exportErrors -Sum).Sum)
    if ($exportErrors -eq 0 -and $exportErrorRuns.Count -gt 0) { $exportErrors = $exportErrorRuns.Count }
    $Result.exportErrors = $exportErrors
    # success and the other completed-* results (completed-no-objects, completed-warnings, ...) let the cycle stand;
    # anything else (stopped-*, no-start-connection, call-failure, ...) is a failure of that connector's run.
    $failedRuns = @($Runs | Where-Object { $_.result -ne 'success' -and $_.result -notlike 'completed-*' })
    if ($failedRuns.Count -gt 0) {
        $names = ($failedRuns | ForEach-Object { '{0} {1}: {2}' -f $_.connector, $_.runProfile, $_.result }) -join '; '
        Set-Outcome -Result $Result -Outcome 'Failed' -Reason "Run profiles failed: $names"
    } elseif ($exportErrorRuns.Count -gt 0) {
        $names = ($exportErrorRuns | ForEach-Object { $_.connector } | Select-Object -Unique) -join ', '
        Set-Outcome -Result $Result -Outcome 'CompletedWithExportErrors' -Reason "Cycle completed; $exportErrors export error(s) on $names"
    } else {
        Set-Outcome -Result $Result -Outcome 'Succeeded' -Reason "$PolicyType cycle completed on $(@($Runs | ForEach-Object { $_.connector } | Select-Object -Unique).Count) connector(s)"
    }
}

function Invoke-EntraSyncCycle {
    $result = New-CycleResult
    $step = 'importing the ADSync module'
    try {
        Import-ADSyncModule

        $step = 'reading the scheduler'
        $scheduler = Get-ADSyncScheduler
        if ($scheduler.StagingModeEnabled) {
            Set-Outcome -Result $result -Outcome 'SkippedStagingMode' -Reason 'This Entra Connect server is in staging mode; no cycle was started'
            return $result
        }
        if (-not $scheduler.SyncCycleEnabled) {
            Set-Outcome -Result $result -Outcome 'SkippedSchedulerSuspended' -Reason 'The sync scheduler is disabled (SyncCycleEnabled is false); no cycle was started'
            return $result
        }
        if ($scheduler.SchedulerSuspended) {
            Set-Outcome -Result $result -Outcome 'SkippedSchedulerSuspended' -Reason 'The sync scheduler is suspended (upgrade or configuration wizard open); no cycle was started'
            return $result
        }

        $step = 'waiting for a running cycle'
        $busyDeadline = (Get-UtcNow).AddSeconds($BusyWaitSeconds)
        if (-not (Wait-ForeignCycle -Result $result -Deadline $busyDeadline)) { return $result }

        $notBeforeTime = ConvertFrom-NotBefore $NotBefore
        if ($null -ne $notBeforeTime -and (Get-UtcNow) -lt $notBeforeTime) {
            $step = 'waiting for NotBefore'
            if ($notBeforeTime -gt $busyDeadline) {
                # Sleeping until then would spend the whole budget and still not start: say so now.
                Set-Outcome -Result $result -Outcome 'BusyTimeout' -Reason ("NotBefore {0} is later than the busy budget of {1} seconds allows" -f $result.notBefore, $BusyWaitSeconds)
                return $result
            }
            Write-Verbose "Sleeping until NotBefore $($result.notBefore)"
            Start-Sleep -Seconds ([int] [math]::Ceiling(($notBeforeTime - (Get-UtcNow)).TotalSeconds))
            # Someone (the built-in scheduler, an operator) may have started a cycle while we slept.
            $step = 'waiting for a running cycle'
            if (-not (Wait-ForeignCycle -Result $result -Deadline $busyDeadline)) { return $result }
        }

        $step = 'starting the cycle'
        $cycleStartedAt = $null
        for ($attempt = 1; $null -eq $cycleStartedAt; $attempt++) {
            $attemptAt = Get-UtcNow
            try {
                $null = Start-ADSyncSyncCycle -PolicyType $PolicyType -ErrorAction Stop
                $cycleStartedAt = $attemptAt
            } catch {
                if (-not (Test-BusyError $_)) { throw }
                $result.busyRetries = $attempt
                Write-Warning ("Start-ADSyncSyncCycle refused (attempt {0} of {1}): {2}" -f $attempt, $BusyRetryCount, (Format-Reason $_.Exception.Message))
                if ($attempt -ge $BusyRetryCount) {
                    Set-Outcome -Result $result -Outcome 'BusyTimeout' -Reason ("Connect stayed busy after {0} start attempts: {1}" -f $attempt, $_.Exception.Message)
                    return $result
                }
                # Someone else's cycle won the race: let it finish (within what is left of the busy budget), then retry.
                $null = Wait-SyncCycleIdle -Deadline $busyDeadline
                Start-Sleep -Seconds $BusyRetrySeconds
            }
        }
        $result.cycleStartedAt = ConvertTo-IsoTime $cycleStartedAt
        Write-Verbose "$PolicyType cycle started at $($result.cycleStartedAt)"

        $step = 'waiting for the cycle to end'
        $deadline = $cycleStartedAt.AddSeconds($TimeoutSeconds)
        # The scheduler may not show the cycle as in progress at once; give it one poll before looking.
        Start-Sleep -Seconds $PollSeconds
        $end = Wait-OwnCycleEnd -CycleStartedAt $cycleStartedAt -Deadline $deadline
        if ($null -eq $end) {
            # Not bounded above: the deadline passed while a cycle ran that the history did not show to be the next
            # one (Wait-OwnCycleEnd), so it is taken to be ours.
            $runsSoFar = @(Get-CycleRunResults -Since $cycleStartedAt)
            $result.connectors = @($runsSoFar | ForEach-Object {
                    [ordered]@{ connector = $_.connector; runProfile = $_.runProfile; result = $_.result; startedAt = $_.startedAt; endedAt = $_.endedAt }
                })
            # The import may well have started (and read AD) even though the cycle has not ended: report it.
            $result.importStartedAt = Get-ImportStartedAt $runsSoFar
            Set-Outcome -Result $result -Outcome 'TimedOut' -Reason "The cycle was still running after $TimeoutSeconds seconds"
            return $result
        }
        $result.cycleEndedAt = ConvertTo-IsoTime $end.EndedAt

        $step = 'reading the run-profile results'
        Complete-FromRunResults $result @(Get-CycleRunResults -Since $cycleStartedAt -Until $end.RunsBefore)
        return $result
    } catch {
        Write-Warning ("Failed while {0}: {1}" -f $step, $_.Exception.Message)
        Set-Outcome -Result $result -Outcome 'Failed' -Reason ("Failed while {0}: {1}" -f $step, $_.Exception.Message)
        return $result
    }
}

# Only the function's last value counts: stray pipeline output of a cmdlet can never reach the Output stream.
$cycleResult = @(Invoke-EntraSyncCycle)[-1]
# The one and only Output record: the engine takes the LAST result line of the job output.
Write-Output ([pscustomobject] $cycleResult | ConvertTo-Json -Compress -Depth 6)
