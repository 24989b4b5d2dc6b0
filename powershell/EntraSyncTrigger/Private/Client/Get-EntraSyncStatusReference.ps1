function Get-EntraSyncStatusReference {
    <#
    .SYNOPSIS
        Where a request's status is read, from what a caller has: an accepted request or a status (their statusUrl
        or StatusUri, else their requestId), a status URL, or a request id.

    .DESCRIPTION
        The status URL is preferred because, for a request split across targets, it carries ?targets=a,b and answers
        for every part. Resolve-EntraSyncUri later keeps it on the connection's origin.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [object] $Request)

    if ($Request -is [string]) {
        $text = $Request.Trim()
        if ($text -match '\Ahttps?://') { return $text }
        if ($text -match '\A[A-Za-z0-9-]{1,128}\z') { return 'api/sync/requests/' + $text }
        throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "Not a request id or a status URL: '$text'.")
    }
    if ($Request -is [guid]) { return 'api/sync/requests/' + $Request.ToString() }
    foreach ($name in @('statusUrl', 'StatusUri', 'requestId')) {
        $value = $null
        if ($Request -is [System.Collections.IDictionary]) {
            if ($Request.Contains($name)) { $value = $Request[$name] }
        } elseif ($null -ne $Request.PSObject.Properties[$name]) {
            $value = $Request.PSObject.Properties[$name].Value
        }
        if (-not $value) { continue }
        if ($name -eq 'requestId') { return Get-EntraSyncStatusReference -Request ([string] $value) }
        return [string] $value
    }
    throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail 'The request has neither a statusUrl nor a requestId: pass what Submit-EntraSyncChange or Get-EntraSyncRequest returned, a request id, or a status URL.')
}
