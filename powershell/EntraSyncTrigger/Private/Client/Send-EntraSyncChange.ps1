function Send-EntraSyncChange {
    <#
    .SYNOPSIS
        The submit path: posts a native request body under an Idempotency-Key, retries what is transient with the
        same key, and returns the accepted request.

    .DESCRIPTION
        Used by Submit-EntraSyncChange and by the AD change watcher; anything that submits changes comes through
        here. The body is the API's native JSON (docs/API.md): one change, or a batch with target, policy, urgent and
        changes. A body asking for Initial goes to api/sync/initial-requests, the full-sync endpoint with its own
        function keys; everything else to api/sync/requests.

        Every submit carries an Idempotency-Key (a new GUID unless one is given). A transient failure (no answer,
        429, 5xx) is retried up to -RetryCount times with the same key and body, after the answer's Retry-After
        (at most 60 s) or 1, 2, 4... s: if the first attempt reached the service and only its answer was lost,
        the retry is a replay (same requestId, duplicate and Replayed true) and nothing is counted twice.

        Returns the service's Accepted body (requestId, state, statusUrl, correlationId, duplicate, targets), typed
        EntraSyncTrigger.AcceptedRequest, with IdempotencyKey (to retry it later), Replayed and RetryAfterSeconds.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Connection,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Body,
        [ValidatePattern('\A[A-Za-z0-9._:~+/=-]{1,255}\z')] [string] $IdempotencyKey = [guid]::NewGuid().ToString(),
        [string] $CorrelationId,
        [ValidateRange(0, 10)] [int] $RetryCount = 2
    )

    $path = 'api/sync/requests'
    if ($Body.Contains('policy') -and $Body['policy'] -eq 'Initial') { $path = 'api/sync/initial-requests' }
    $call = @{ Connection = $Connection; Method = 'POST'; Reference = $path; Body = $Body; IdempotencyKey = $IdempotencyKey }
    if ($CorrelationId) { $call['CorrelationId'] = $CorrelationId }

    for ($attempt = 1; ; $attempt++) {
        try {
            $answer = Invoke-EntraSyncApi @call
            break
        } catch {
            $failure = $_
            $data = $failure.Exception.Data
            if ($attempt -gt $RetryCount -or -not ($data.Contains('Idle.IsTransient') -and $data['Idle.IsTransient'])) { throw }
            $wait = [Math]::Min(30, [Math]::Pow(2, $attempt - 1))
            if ($null -ne $data['RetryAfterSeconds']) { $wait = [Math]::Min(60, [double] $data['RetryAfterSeconds']) }
            Write-Warning "Submit attempt $attempt of $($RetryCount + 1) failed ($($failure.Exception.Message)); retrying in $wait s with the same Idempotency-Key."
            Start-Sleep -Milliseconds ([int] ($wait * 1000))
        }
    }

    $accepted = $answer.Body
    if ($null -eq $accepted) {
        $record = New-EntraSyncErrorRecord -Code 'UNEXPECTED_RESPONSE' -Detail "HTTP $($answer.StatusCode) without a JSON body." -Status $answer.StatusCode
        throw $record
    }
    $accepted.PSObject.TypeNames.Insert(0, 'EntraSyncTrigger.AcceptedRequest')
    $accepted | Add-Member -NotePropertyName IdempotencyKey -NotePropertyValue $IdempotencyKey -Force
    $accepted | Add-Member -NotePropertyName Replayed -NotePropertyValue $answer.Replayed -Force
    $accepted | Add-Member -NotePropertyName RetryAfterSeconds -NotePropertyValue $answer.RetryAfterSeconds -Force
    $accepted
}
