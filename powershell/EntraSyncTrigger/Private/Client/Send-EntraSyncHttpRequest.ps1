function Send-EntraSyncHttpRequest {
    <#
    .SYNOPSIS
        Sends one HTTP request and returns the answer, whatever its status; only a failure to get an answer throws.

    .DESCRIPTION
        Returns StatusCode, Body (the parsed JSON, or $null), Text (the raw body), RetryAfterSeconds, Location (as
        the service wrote it) and Replayed (the Idempotent-Replayed header). No answer at all (refused connection,
        DNS, TLS, reset, or the connection's timeout) is a NETWORK_ERROR or TIMEOUT error, marked transient: the
        request may or may not have reached the service, which is why every submit carries an Idempotency-Key.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Connection,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST')] [string] $Method,
        [Parameter(Mandatory)] [uri] $Uri,
        [string] $Json,
        [System.Collections.IDictionary] $Headers = @{}
    )

    $client = Get-EntraSyncHttpClient
    $message = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Uri)
    $null = $message.Headers.TryAddWithoutValidation('Accept', 'application/json, application/problem+json')
    $null = $message.Headers.TryAddWithoutValidation('User-Agent', "EntraSyncTrigger-PowerShell/$($ExecutionContext.SessionState.Module.Version) PowerShell/$($PSVersionTable.PSVersion)")
    foreach ($name in $Headers.Keys) { $null = $message.Headers.TryAddWithoutValidation($name, [string] $Headers[$name]) }
    if ($PSBoundParameters.ContainsKey('Json')) {
        $message.Content = [System.Net.Http.StringContent]::new($Json, [System.Text.UTF8Encoding]::new($false), 'application/json')
    }
    $timeout = [System.Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds($Connection.TimeoutSeconds))
    try {
        $response = $client.SendAsync($message, $timeout.Token).GetAwaiter().GetResult()
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    } catch {
        $cause = $_.Exception
        while ($cause -is [System.Management.Automation.MethodInvocationException] -and $null -ne $cause.InnerException) { $cause = $cause.InnerException }
        if ($timeout.IsCancellationRequested) {
            $record = New-EntraSyncErrorRecord -Code 'TIMEOUT' -Detail "No answer from $($Uri.GetLeftPart([System.UriPartial]::Authority)) within $($Connection.TimeoutSeconds) s." -Transient $true -InnerException $cause
        } else {
            $record = New-EntraSyncErrorRecord -Code 'NETWORK_ERROR' -Detail "No answer from $($Uri.GetLeftPart([System.UriPartial]::Authority)): $($cause.Message)" -Transient $true -InnerException $cause
        }
        throw $record
    } finally {
        $timeout.Dispose()
        $message.Dispose()
    }

    $body = $null
    $mediaType = $null
    if ($null -ne $response.Content.Headers.ContentType) { $mediaType = $response.Content.Headers.ContentType.MediaType }
    if ($text.Length -gt 0 -and $mediaType -match '\Aapplication/(problem\+)?json\z') {
        # A body that says it is JSON and is not (a proxy's error page) is kept as Text; the status still speaks.
        try { $body = ConvertFrom-Json -InputObject $text } catch { Write-Verbose "The answer's body is not JSON: $($_.Exception.Message)" }
    }
    $replayed = $null
    [pscustomobject]@{
        StatusCode        = [int] $response.StatusCode
        Reason            = $response.ReasonPhrase
        Body              = $body
        Text              = $text
        RetryAfterSeconds = Get-EntraSyncRetryAfter -Response $response
        Location          = $response.Headers.Location
        Replayed          = $response.Headers.TryGetValues('Idempotent-Replayed', [ref] $replayed) -and @($replayed)[0] -eq 'true'
    }
    $response.Dispose()
}
