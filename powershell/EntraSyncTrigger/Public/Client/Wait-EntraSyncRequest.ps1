function Wait-EntraSyncRequest {
    <#
    .SYNOPSIS
        Waits until a request is final, polling its status as the service's Retry-After asks, and returns the final
        status.

    .DESCRIPTION
        Follows the Logic Apps async pattern the API implements: while the status answers 202 it waits Retry-After
        seconds (at least 1; 5 when the header is missing; never past the deadline) and reads again. It ends with:
          - the final status object (200: succeeded, partiallySucceeded, or confirmed in Entra ID), or
          - a terminating error with the problem's code and detail (409 SYNC_SKIPPED, 424 SYNC_FAILED,
            424 NOT_VISIBLE_IN_ENTRA, 410, 404, any other 4xx), the status as TargetObject, or
          - WAIT_TIMEOUT after -TimeoutSeconds, with the last status seen as TargetObject (the request goes on).
        A transient failure of one poll (no answer, 429, 5xx) is retried at the next interval until the deadline;
        reading a status twice changes nothing.

        How long to wait: a joiner on an idle target takes about 70 s to 3 minutes (the worker's 30-second poll and a
        Delta cycle), one cycle more when a scheduler cycle or another job runs first; with ENTRA_CONFIRMATION=on add the
        30-second confirmation timer and, for an object not yet replicated, ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS
        (120) and one more cycle. The default of 900 s covers both.

    .PARAMETER Request
        What Submit-EntraSyncChange or Get-EntraSyncRequest returned, a request id, or a status URL. Taken from the
        pipeline.

    .PARAMETER TimeoutSeconds
        How long to wait in all (default 900).

    .PARAMETER Connection
        From New-EntraSyncConnection; default: the one Connect-EntraSync set.

    .EXAMPLE
        Submit-EntraSyncChange -Upn new.starter@contoso.com | Wait-EntraSyncRequest -TimeoutSeconds 600 |
            Select-Object state, @{ n = 'outcome'; e = { $_.run.outcome } }, @{ n = 'inEntra'; e = { $_.entra.confirmedAt } }

        Submit a joiner and wait for it.

    .EXAMPLE
        try {
            $final = Wait-EntraSyncRequest -Request $request -Verbose
        } catch {
            if ($_.Exception.Data['Code'] -eq 'SYNC_SKIPPED') { Write-Warning "Skipped: $($_.Exception.Data['Detail'])" } else { throw }
        }

        A skipped cycle (a staging server) handled apart from real failures; -Verbose shows every poll.

    .OUTPUTS
        EntraSyncTrigger.RequestStatus (IsFinal $true).
    #>
    [CmdletBinding()]
    [OutputType('EntraSyncTrigger.RequestStatus')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [Alias('RequestId', 'StatusUrl')]
        [ValidateNotNull()]
        [object] $Request,

        [ValidateRange(1, 604800)]
        [int] $TimeoutSeconds = 900,

        [psobject] $Connection
    )

    process {
        try {
            $connectionToUse = Resolve-EntraSyncConnection -Connection $Connection
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            $last = $null
            for ($poll = 1; ; $poll++) {
                $wait = 5
                try {
                    $status = Get-EntraSyncRequest -Request $Request -Connection $connectionToUse
                    if ($status.IsFinal) { return $status }
                    $last = $status
                    if ($null -ne $status.RetryAfterSeconds) { $wait = $status.RetryAfterSeconds }
                    Write-Verbose "Poll ${poll}: HTTP 202, state $($status.state); Retry-After $wait s."
                } catch {
                    $data = $_.Exception.Data
                    if (-not ($data.Contains('Idle.IsTransient') -and $data['Idle.IsTransient'])) { throw }
                    if ($null -ne $data['RetryAfterSeconds']) { $wait = $data['RetryAfterSeconds'] }
                    Write-Warning "Poll $poll failed ($($_.Exception.Message)); reading again in $wait s."
                }
                $left = ($deadline - [DateTime]::UtcNow).TotalSeconds
                if ($left -le 0) { break }
                Start-Sleep -Milliseconds ([int] (1000 * [Math]::Min($left, [Math]::Max(1, $wait))))
                if ([DateTime]::UtcNow -ge $deadline) { break }
            }
            $state = 'unknown'
            $requestId = $null
            if ($null -ne $last) { $state = $last.state; $requestId = $last.requestId }
            $record = New-EntraSyncErrorRecord -Code 'WAIT_TIMEOUT' -RequestId $requestId -TargetObject $last `
                -Detail "The request was not final after $TimeoutSeconds s (last state: $state). It goes on; wait again or read it with Get-EntraSyncRequest."
            throw $record
        } catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }
}
