function Invoke-EntraSyncApi {
    <#
    .SYNOPSIS
        The client's HTTP core: one call of the entra-sync-trigger API, with the connection's authentication, and
        every answer that is not a success turned into a terminating error with the problem's code and detail.

    .DESCRIPTION
        Every command of the module goes through here (and the AD watcher publishes through Send-EntraSyncChange,
        which does). What it adds to a request:
          - x-functions-key and/or Authorization: Bearer (function key, token, or the token a -TokenScript returns);
          - Idempotency-Key, when given (every submit gives one);
          - traceparent, when a correlation id is given (its trace id becomes the service's correlation id).
        What it makes of an answer:
          - a status in -SuccessStatus (default 200 and 202): returned (Send-EntraSyncHttpRequest's shape);
          - anything else: a terminating error (New-EntraSyncErrorRecord) with the RFC 9457 problem's code and
            detail, or HTTP_<status> and the reason phrase when the body is not a problem (a gateway's page).
            429 and 5xx are marked transient, except 500 CONFIG_INVALID (a bad setting does not heal by retrying);
          - no answer: NETWORK_ERROR or TIMEOUT, transient.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Connection,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST')] [string] $Method,
        # A path relative to the connection's BaseUri ('api/sync/requests'), or a status URL the service returned.
        [Parameter(Mandatory)] [string] $Reference,
        [object] $Body,
        [ValidatePattern('\A[A-Za-z0-9._:~+/=-]{1,255}\z')] [string] $IdempotencyKey,
        [string] $CorrelationId,
        [int[]] $SuccessStatus = @(200, 202)
    )

    $uri = Resolve-EntraSyncUri -Connection $Connection -Reference $Reference
    $headers = Get-EntraSyncRequestHeader -Connection $Connection
    if ($IdempotencyKey) { $headers['Idempotency-Key'] = $IdempotencyKey }
    if ($CorrelationId) { $headers['traceparent'] = ConvertTo-EntraSyncTraceParent -CorrelationId $CorrelationId }
    $send = @{ Connection = $Connection; Method = $Method; Uri = $uri; Headers = $headers }
    if ($PSBoundParameters.ContainsKey('Body')) { $send['Json'] = ConvertTo-Json -InputObject $Body -Depth 10 -Compress }
    Write-Verbose "$Method $($uri.GetLeftPart([System.UriPartial]::Path))"
    $answer = Send-EntraSyncHttpRequest @send
    if ($SuccessStatus -contains $answer.StatusCode) { return $answer }

    $problem = $answer.Body
    $code = "HTTP_$($answer.StatusCode)"
    $detail = [string] $answer.Reason
    $requestId = $null
    $fieldErrors = @()
    if ($null -ne $problem) {
        # PSObject.Properties[...], which is $null for a missing member, also on a body that is not an object.
        $member = $problem.PSObject.Properties
        if ($null -ne $member['code'] -and $member['code'].Value) { $code = [string] $member['code'].Value }
        if ($null -ne $member['detail'] -and $member['detail'].Value) { $detail = [string] $member['detail'].Value }
        if ($null -ne $member['requestId']) { $requestId = [string] $member['requestId'].Value }
        if ($null -ne $member['errors']) { $fieldErrors = @($member['errors'].Value) }
    }
    $transient = ($answer.StatusCode -eq 429 -or $answer.StatusCode -ge 500) -and $code -ne 'CONFIG_INVALID'
    $record = New-EntraSyncErrorRecord -Code $code -Detail $detail -Status $answer.StatusCode -Transient $transient `
        -RequestId $requestId -RetryAfterSeconds $answer.RetryAfterSeconds -TargetObject $problem -FieldErrors $fieldErrors
    throw $record
}
