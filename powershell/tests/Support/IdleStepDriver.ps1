# Drives a DirectorySync provider the way IdLE runs IdLE.Step.TriggerDirectorySync, written from IdLE's documented
# provider contract (see docs/IDLE.md), not from its code:
#   - a plan refuses providers whose note properties hold script blocks, at any depth;
#   - the step needs the capabilities IdLE.DirectorySync.Trigger and IdLE.DirectorySync.Status;
#   - before every provider call the execution acquires an auth session from Providers.AuthSessionBroker with
#     AcquireAuthSession(With.AuthSessionName, a copy of With.AuthSessionOptions plus CorrelationId and Actor);
#   - StartSyncCycle(PolicyType, ComputerName, AuthSession); with Wait, GetSyncCycleState(ComputerName,
#     AuthSession) every PollIntervalSeconds until InProgress is false; once TimeoutSeconds have passed, one more
#     GetSyncCycleState and a timeout error;
#   - provider methods are called through .Invoke(arguments), so what they throw arrives wrapped in a
#     MethodInvocationException;
#   - the step fails on an exception; the executor retries the whole step when the exception, or one of its inner
#     exceptions, has Data['Idle.IsTransient'] (or 'IdleIsTransient') set to $true, 1 or 'true', up to MaxAttempts.

function Test-DriverTransient {
    param([Parameter(Mandatory)] [System.Exception] $Exception)
    for ($current = $Exception; $null -ne $current; $current = $current.InnerException) {
        foreach ($key in @('Idle.IsTransient', 'IdleIsTransient')) {
            if (-not $current.Data.Contains($key)) { continue }
            $value = $current.Data[$key]
            if (($value -is [bool] -and $value) -or ($value -is [int] -and $value -eq 1) -or ($value -is [string] -and $value.Trim() -eq 'true')) { return $true }
        }
    }
    $false
}

function Assert-DriverNoScriptBlock {
    param([AllowNull()] [object] $Value, [string] $Path)
    if ($null -eq $Value) { return }
    if ($Value -is [scriptblock]) { throw "ScriptBlocks are not allowed in providers. Found at: $Path" }
    if ($Value -is [System.Collections.IDictionary]) {
        foreach ($key in @($Value.Keys)) { Assert-DriverNoScriptBlock -Value $Value[$key] -Path "$Path.$key" }
        return
    }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) {
        $i = 0
        foreach ($item in $Value) { Assert-DriverNoScriptBlock -Value $item -Path "$Path[$i]"; $i++ }
        return
    }
    if ($Value -is [pscustomobject]) {
        foreach ($property in $Value.PSObject.Properties) {
            if ($property.MemberType -eq 'NoteProperty') { Assert-DriverNoScriptBlock -Value $property.Value -Path "$Path.$($property.Name)" }
        }
    }
}

function Invoke-DriverProviderCall {
    # One provider call as the execution makes it: a fresh auth session, then the method through .Invoke().
    param($Providers, [hashtable] $With, [string] $CorrelationId, [string] $Actor, [string] $Method, [object[]] $Arguments)
    $options = @{}
    if ($With.ContainsKey('AuthSessionOptions') -and $null -ne $With.AuthSessionOptions) {
        foreach ($key in $With.AuthSessionOptions.Keys) { $options[$key] = $With.AuthSessionOptions[$key] }
    }
    $options['CorrelationId'] = $CorrelationId
    $options['Actor'] = $Actor
    $session = $Providers.AuthSessionBroker.AcquireAuthSession([string] $With.AuthSessionName, $options)
    $provider = $Providers[$(if ($With.ContainsKey('Provider')) { $With.Provider } else { 'DirectorySync' })]
    $provider.$Method.Invoke(@($Arguments + , $session))
}

function Invoke-DriverStepOnce {
    param($Providers, [hashtable] $With, [string] $CorrelationId, [string] $Actor, $Trace)
    $call = @{ Providers = $Providers; With = $With; CorrelationId = $CorrelationId; Actor = $Actor }
    $start = Invoke-DriverProviderCall @call -Method 'StartSyncCycle' -Arguments @($With.PolicyType, $With.ComputerName)
    $Trace.Started = [bool] $start.Started
    $Trace.Message = [string] $start.Message
    if (-not $With.Wait) { return }
    $timeout = 600; if ($With.ContainsKey('TimeoutSeconds')) { $timeout = [int] $With.TimeoutSeconds }
    $interval = 10; if ($With.ContainsKey('PollIntervalSeconds')) { $interval = [int] $With.PollIntervalSeconds }
    $began = [DateTime]::UtcNow
    while ($true) {
        if (([DateTime]::UtcNow - $began).TotalSeconds -ge $timeout) {
            $last = Invoke-DriverProviderCall @call -Method 'GetSyncCycleState' -Arguments @($With.ComputerName)
            throw "TriggerDirectorySync: Timeout waiting for sync cycle to complete after ${timeout}s. Last known state: $($last.State)"
        }
        $state = Invoke-DriverProviderCall @call -Method 'GetSyncCycleState' -Arguments @($With.ComputerName)
        $Trace.States.Add($state)
        if (-not [bool] $state.InProgress) { return }
        Start-Sleep -Seconds $interval
    }
}

function Invoke-TestDirectorySyncStep {
    <#
        Runs the step with the executor's transient retry. Returns Status (Completed or Failed), Attempts, Started,
        Message, States (every GetSyncCycleState result), LastState, Error (the exception that failed the step) and
        ErrorMessage (its message, as IdLE records it in the step result).
    #>
    param(
        [Parameter(Mandatory)] [hashtable] $Providers,
        [Parameter(Mandatory)] [hashtable] $With,
        [Parameter(Mandatory)] [string] $CorrelationId,
        [string] $Actor = 'pester',
        [int] $MaxAttempts = 3,
        [int] $RetryDelayMilliseconds = 250
    )
    $alias = 'DirectorySync'; if ($With.ContainsKey('Provider')) { $alias = $With.Provider }
    Assert-DriverNoScriptBlock -Value $Providers -Path 'Providers'
    $capabilities = @($Providers[$alias].GetCapabilities())
    foreach ($needed in @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')) {
        if ($capabilities -notcontains $needed) { throw "Provider '$alias' lacks the capability $needed." }
    }
    $trace = [pscustomobject]@{ Status = 'Failed'; Attempts = 0; Started = $false; Message = $null; States = [System.Collections.Generic.List[object]]::new(); LastState = $null; Error = $null; ErrorMessage = $null }
    for ($attempt = 1; $attempt -le $MaxAttempts; $attempt++) {
        $trace.Attempts = $attempt
        try {
            Invoke-DriverStepOnce -Providers $Providers -With $With -CorrelationId $CorrelationId -Actor $Actor -Trace $trace
            $trace.Status = 'Completed'
            $trace.Error = $null
            $trace.ErrorMessage = $null
            break
        } catch {
            $trace.Error = $_.Exception
            $trace.ErrorMessage = $_.Exception.Message
            if (-not (Test-DriverTransient -Exception $_.Exception)) { break }
            Start-Sleep -Milliseconds ($RetryDelayMilliseconds * [Math]::Pow(2, $attempt - 1))
        }
    }
    if ($trace.States.Count -gt 0) { $trace.LastState = $trace.States[$trace.States.Count - 1] }
    $trace
}
