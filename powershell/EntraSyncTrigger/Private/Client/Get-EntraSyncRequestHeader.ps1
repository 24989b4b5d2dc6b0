function Get-EntraSyncRequestHeader {
    <#
    .SYNOPSIS
        The authentication headers of a connection: x-functions-key and/or Authorization: Bearer.

    .DESCRIPTION
        Both may be needed at once: with AUTH_MODE=appRoles the Functions host still checks a function key
        (authLevel: function) while App Service Authentication checks the token. Headers, never the ?code= query
        parameter: a key in a URL ends up in logs and in the service's Location header.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory)] [psobject] $Connection)

    $headers = [ordered]@{}
    if ($null -ne $Connection.FunctionKey) {
        $headers['x-functions-key'] = Get-EntraSyncPlainText -Secret $Connection.FunctionKey
    }
    if ($null -ne $Connection.AccessToken) {
        $headers['Authorization'] = 'Bearer ' + (Get-EntraSyncPlainText -Secret $Connection.AccessToken)
    } elseif ($null -ne $Connection.TokenScript) {
        $headers['Authorization'] = 'Bearer ' + (Get-EntraSyncTokenFromScript -TokenScript $Connection.TokenScript)
    }
    $headers
}
