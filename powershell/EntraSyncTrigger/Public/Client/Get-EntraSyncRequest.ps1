function Get-EntraSyncRequest {
    <#
    .SYNOPSIS
        Reads a request's status once.

    .DESCRIPTION
        One GET of the request's status URL (docs/API.md, "Status"). While the request waits or runs the answer is
        202 and the status comes back with IsFinal $false and the service's RetryAfterSeconds. A request that ended
        well (200: succeeded, partiallySucceeded with export errors, or confirmed in Entra ID) comes back with
        IsFinal $true.

        A request that ended badly is a terminating error carrying the problem's code and detail, with the status
        (and its run) as the error's TargetObject:
          409 SYNC_SKIPPED          the covering cycle was skipped (staging server, scheduler suspended)
          424 SYNC_FAILED           the covering cycle failed, timed out, or never started
          424 NOT_VISIBLE_IN_ENTRA  ENTRA_CONFIRMATION=on: the cycles ran, the object is not in Entra ID
          429 INITIAL_RATE_LIMITED  an Initial refused by the per-target limit
          410 REQUEST_EXPIRED, 404 REQUEST_NOT_FOUND
        Failures to get an answer, 429 and 5xx are marked transient (Exception.Data['Idle.IsTransient']).

    .PARAMETER Request
        What Submit-EntraSyncChange or Get-EntraSyncRequest returned (its statusUrl is used, which covers every part
        of a request split across targets), a request id, or a status URL. Taken from the pipeline.

    .PARAMETER Connection
        From New-EntraSyncConnection; default: the one Connect-EntraSync set. A status URL is always read on the
        connection's origin.

    .EXAMPLE
        $request = Submit-EntraSyncChange -Upn new.starter@contoso.com
        (Get-EntraSyncRequest $request).state

        accepted, waiting or running at first; succeeded at the end.

    .EXAMPLE
        try { Get-EntraSyncRequest -Request 6ba08900-bd21-8acb-880f-b6c7639dd709 }
        catch { "$($_.Exception.Data['Code']): $($_.TargetObject.run.outcome)" }

        By request id; a skipped cycle prints SYNC_SKIPPED: SkippedStagingMode.

    .OUTPUTS
        EntraSyncTrigger.RequestStatus: the service's status (requestId, state, run, entra, ...), IsFinal,
        RetryAfterSeconds, StatusUri.
    #>
    [CmdletBinding()]
    [OutputType('EntraSyncTrigger.RequestStatus')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [Alias('RequestId', 'StatusUrl')]
        [ValidateNotNull()]
        [object] $Request,

        [psobject] $Connection
    )

    process {
        try {
            $connectionToUse = Resolve-EntraSyncConnection -Connection $Connection
            $reference = Get-EntraSyncStatusReference -Request $Request
            $answer = Invoke-EntraSyncApi -Connection $connectionToUse -Method GET -Reference $reference
            $status = ConvertTo-EntraSyncRequestStatus -Answer $answer
            $status | Add-Member -NotePropertyName StatusUri -NotePropertyValue (Resolve-EntraSyncUri -Connection $connectionToUse -Reference $reference) -Force
            $status
        } catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }
}
