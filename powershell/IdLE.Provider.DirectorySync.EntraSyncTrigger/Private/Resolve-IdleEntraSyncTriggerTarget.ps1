function Resolve-IdleEntraSyncTriggerTarget {
    <#
    .SYNOPSIS
        The target id a step's ComputerName names, or an error that says what ComputerName means here.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([AllowNull()] [AllowEmptyString()] [string] $ComputerName)

    $target = ([string] $ComputerName).Trim()
    if ($target -notmatch '\A[a-z0-9][a-z0-9-]{0,62}\z') {
        throw (New-IdleEntraSyncTriggerError -Code 'INVALID_TARGET' -Detail "ComputerName must be the entra-sync-trigger target id (as in SYNC_TARGETS: lower-case letters, digits, '-'), not a server name; got '$ComputerName'.")
    }
    $target
}
