function Resolve-EntraSyncConnection {
    <#
    .SYNOPSIS
        The connection a command uses: the one passed with -Connection, else the one Connect-EntraSync set.
    #>
    [CmdletBinding()]
    param([AllowNull()] [psobject] $Connection)

    if ($null -ne $Connection) {
        if ($Connection.PSObject.TypeNames -notcontains 'EntraSyncTrigger.Connection') {
            throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail '-Connection must be an object from New-EntraSyncConnection or Connect-EntraSync.')
        }
        return $Connection
    }
    if ((Test-Path -LiteralPath 'variable:script:EntraSyncDefaultConnection') -and $null -ne $script:EntraSyncDefaultConnection) {
        return $script:EntraSyncDefaultConnection
    }
    $record = New-EntraSyncErrorRecord -Code 'NOT_CONNECTED' -Detail 'No connection: run Connect-EntraSync -BaseUri <url> first, or pass -Connection (New-EntraSyncConnection).'
    throw $record
}
