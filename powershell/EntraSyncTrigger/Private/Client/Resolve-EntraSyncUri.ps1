function Resolve-EntraSyncUri {
    <#
    .SYNOPSIS
        The absolute URI for an API path on a connection, never on another origin.

    .DESCRIPTION
        A relative reference ('api/sync/requests', 'api/sync/requests/<id>?targets=a,b') is appended to the
        connection's BaseUri, which may carry a path of its own (a gateway's prefix). An absolute URI, as a
        status URL the service returned, is used as it is only when it has the BaseUri's scheme, host and port;
        otherwise its path from '/api/' on, and its query, are taken onto the BaseUri. Credentials therefore only
        ever go to the origin the caller chose, whatever a Location header or a pasted URL says (the service builds
        Location from its own settings, which behind a gateway name another host).
    #>
    [CmdletBinding()]
    [OutputType([uri])]
    param(
        [Parameter(Mandatory)] [psobject] $Connection,
        [Parameter(Mandatory)] [string] $Reference
    )

    $base = $Connection.BaseUri
    $root = $base.AbsoluteUri.TrimEnd('/')
    $absolute = $null
    if ([uri]::TryCreate($Reference, [System.UriKind]::Absolute, [ref] $absolute) -and $absolute.Scheme -match '\Ahttps?\z') {
        $sameOrigin = $absolute.Scheme -eq $base.Scheme -and $absolute.Host -eq $base.Host -and $absolute.Port -eq $base.Port
        if ($sameOrigin) { return $absolute }
        $path = $absolute.AbsolutePath
        $at = $path.IndexOf('/api/', [System.StringComparison]::OrdinalIgnoreCase)
        if ($at -lt 0) { throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "Not a URL of the entra-sync-trigger API: $Reference") }
        return [uri]::new($root + $path.Substring($at) + $absolute.Query)
    }
    [uri]::new($root + '/' + $Reference.TrimStart('/'))
}
