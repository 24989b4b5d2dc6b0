function ConvertTo-EntraSyncTraceParent {
    <#
    .SYNOPSIS
        A W3C traceparent header whose trace id carries a caller's correlation id.

    .DESCRIPTION
        The service takes the trace id of traceparent as the request's correlation id: it is then in the status
        answer, the runbook's job parameters and every telemetry record. A GUID or 32 hex digits becomes the trace id
        as is (lower case, no dashes), so an IdLE run id can be looked up in Application Insights as it is; any other
        text is hashed (SHA-256, first 32 hex digits). The parent id is random (a new span of the caller's trace).
        An all-zero id is invalid in W3C Trace Context, so it is hashed too.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [string] $CorrelationId)

    $text = $CorrelationId.Trim()
    $traceId = $null
    if ($text -match '\A(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\z') {
        $traceId = $text.Replace('-', '').ToLowerInvariant()
    }
    if ($null -eq $traceId -or $traceId -match '\A0+\z') {
        $sha = [System.Security.Cryptography.SHA256]::Create()
        try {
            $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($text))
        } finally {
            $sha.Dispose()
        }
        $traceId = (-join ($hash[0..15] | ForEach-Object { $_.ToString('x2') }))
    }
    $spanId = [guid]::NewGuid().ToString('N').Substring(0, 16)
    "00-$traceId-$spanId-01"
}
