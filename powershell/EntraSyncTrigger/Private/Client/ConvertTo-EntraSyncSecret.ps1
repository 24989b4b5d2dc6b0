function ConvertTo-EntraSyncSecret {
    <#
    .SYNOPSIS
        A function key or token, given as a string or a SecureString, as a SecureString (or $null for none).

    .DESCRIPTION
        Connections keep their secrets as SecureString so that printing a connection, or a provider object that holds
        one, never shows them. They are turned back into text only when a request is sent (Get-EntraSyncPlainText).
    #>
    [CmdletBinding()]
    [OutputType([securestring])]
    param(
        [Parameter(Mandatory)] [AllowNull()] [object] $Value,
        [Parameter(Mandatory)] [string] $Name
    )

    if ($null -eq $Value) { return $null }
    if ($Value -is [securestring]) { return $Value }
    if ($Value -is [string]) {
        if ([string]::IsNullOrWhiteSpace($Value)) { throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "-$Name is empty.") }
        return (ConvertTo-SecureString -String $Value -AsPlainText -Force)
    }
    throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "-$Name must be a string or a SecureString, not [$($Value.GetType().FullName)].")
}
