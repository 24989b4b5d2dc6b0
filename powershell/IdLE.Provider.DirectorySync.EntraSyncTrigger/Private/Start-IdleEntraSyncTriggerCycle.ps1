function Start-IdleEntraSyncTriggerCycle {
    <#
    .SYNOPSIS
        StartSyncCycle(PolicyType, ComputerName, AuthSession) of the provider: submits the change to the service and
        remembers the request for GetSyncCycleState.

    .DESCRIPTION
        ComputerName is the service's target id (SYNC_TARGETS; lower-case letters, digits and dashes), not a server
        name: the service, not the workflow, knows which Connect server and Automation account a target is.
        PolicyType is Delta (also when empty) or Initial, in any case.

        The request goes through the client's submit path with the key of Get-IdleEntraSyncTriggerKey and no retry
        of its own: a transient failure is thrown, marked, for IdLE to retry the step, whose second start replays
        the same request. The request is remembered per correlation id and target, the pair GetSyncCycleState
        receives again (through its session) to find it.

        Returns @{ Started = $true; Message }. Errors carry the problem's code and detail (the client's shape).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Provider,
        [AllowNull()] [AllowEmptyString()] [string] $PolicyType,
        [AllowNull()] [AllowEmptyString()] [string] $ComputerName,
        [AllowNull()] [object] $AuthSession
    )

    $policy = 'Delta'
    if ($PolicyType) {
        $policy = @('Delta', 'Initial') | Where-Object { $_ -eq $PolicyType.Trim() }
        if (-not $policy) { throw (New-IdleEntraSyncTriggerError -Code 'INVALID_POLICY_TYPE' -Detail "PolicyType must be Delta or Initial; got '$PolicyType'.") }
    }
    $target = Resolve-IdleEntraSyncTriggerTarget -ComputerName $ComputerName
    $resolved = Resolve-IdleEntraSyncTriggerSession -Provider $Provider -AuthSession $AuthSession
    $change = $resolved.Change
    $key = Get-IdleEntraSyncTriggerKey -CorrelationId $resolved.CorrelationId -Target $target -Policy $policy -Change $change

    $submit = @{
        Connection = $resolved.Connection; Kind = $change['Kind']; Target = $target; Policy = $policy
        IdempotencyKey = $key; RetryCount = 0; Confirm = $false; WhatIf = $false
    }
    if ($change['Upn']) { $submit['Upn'] = $change['Upn'] }
    if ($change['ObjectGuid']) { $submit['ObjectGuid'] = [guid] $change['ObjectGuid'] }
    if ($change['DistinguishedName']) { $submit['DistinguishedName'] = $change['DistinguishedName'] }
    if ($resolved.CorrelationId) { $submit['CorrelationId'] = $resolved.CorrelationId }
    $accepted = Submit-EntraSyncChange @submit

    $Provider.Requests[(Get-IdleEntraSyncTriggerRequestKey -CorrelationId $resolved.CorrelationId -Target $target)] = [pscustomobject]@{
        RequestId      = [string] $accepted.requestId
        StatusUrl      = [string] $accepted.statusUrl
        Target         = $target
        Policy         = $policy
        IdempotencyKey = $key
    }
    $object = @($change['Upn'], $change['ObjectGuid'], $change['DistinguishedName']) | Where-Object { $_ } | Select-Object -First 1
    $what = $change['Kind']
    if ($object) { $what += " $object" }
    $message = "Request $($accepted.requestId) accepted for target $target ($policy, $what)."
    if ($accepted.duplicate) { $message = "Request $($accepted.requestId) for target $target ($policy, $what) was already submitted by this run; following it." }
    [pscustomobject]@{ Started = $true; Message = $message }
}
