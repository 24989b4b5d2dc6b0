function Get-IdleEntraSyncTriggerCycleState {
    <#
    .SYNOPSIS
        GetSyncCycleState(ComputerName, AuthSession) of the provider: reads the remembered request's status once.

    .DESCRIPTION
        Maps the service's answer (docs/API.md, "Status") onto the contract IdLE's step polls:
          202 (accepted, waiting, running; or a succeeded cycle whose object is still being confirmed in Entra ID)
              -> InProgress $true, State the service's state, or 'confirming';
          200 (succeeded, partiallySucceeded, confirmed in Entra ID)
              -> InProgress $false, State the service's state, or 'confirmed';
          409 SYNC_SKIPPED, 424 SYNC_FAILED, 424 NOT_VISIBLE_IN_ENTRA, 410, 404, other 4xx
              -> the client's terminating error with the problem's code and detail, not transient;
          no answer, 429, 5xx
              -> the client's error marked transient (Exception.Data['Idle.IsTransient']): IdLE retries the step.
        Details: RequestId, State, Outcome (the run's outcome: Succeeded, CompletedWithExportErrors, ...), Entra
        (the service's entra member: state, detail, confirmedAt), JobName, CorrelationId, StatusUri.
        IdLE's step ends its wait on InProgress $false, so anything else that ends a request must be an exception:
        a skipped or failed cycle never reads as done.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Provider,
        [AllowNull()] [AllowEmptyString()] [string] $ComputerName,
        [AllowNull()] [object] $AuthSession
    )

    $target = Resolve-IdleEntraSyncTriggerTarget -ComputerName $ComputerName
    $resolved = Resolve-IdleEntraSyncTriggerSession -Provider $Provider -AuthSession $AuthSession
    $requestKey = Get-IdleEntraSyncTriggerRequestKey -CorrelationId $resolved.CorrelationId -Target $target
    if (-not $Provider.Requests.ContainsKey($requestKey)) {
        $run = 'this run (no correlation id)'
        if ($resolved.CorrelationId) { $run = "run $($resolved.CorrelationId)" }
        throw (New-IdleEntraSyncTriggerError -Code 'NO_SYNC_STARTED' -Detail "StartSyncCycle was not called on this provider for target $target in $run.")
    }
    $remembered = $Provider.Requests[$requestKey]
    $status = Get-EntraSyncRequest -Request $remembered.StatusUrl -Connection $resolved.Connection

    $run = Get-IdleEntraSyncTriggerMember -InputObject $status -Name 'run'
    $entra = Get-IdleEntraSyncTriggerMember -InputObject $status -Name 'entra'
    $entraState = Get-IdleEntraSyncTriggerMember -InputObject $entra -Name 'state'
    $state = [string] $status.state
    if (-not $status.IsFinal -and $entraState -eq 'confirming') { $state = 'confirming' }
    if ($status.IsFinal -and $entraState -eq 'confirmed') { $state = 'confirmed' }
    $details = [pscustomobject]@{
        RequestId     = [string] $status.requestId
        State         = [string] $status.state
        Outcome       = Get-IdleEntraSyncTriggerMember -InputObject $run -Name 'outcome'
        Entra         = $entra
        JobName       = Get-IdleEntraSyncTriggerMember -InputObject $run -Name 'jobName'
        CorrelationId = Get-IdleEntraSyncTriggerMember -InputObject $status -Name 'correlationId'
        StatusUri     = [string] $status.StatusUri
    }
    [pscustomobject]@{ InProgress = -not $status.IsFinal; State = $state; Details = $details }
}
