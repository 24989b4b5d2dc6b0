function Get-IdleEntraSyncTriggerRequestKey {
    <#
    .SYNOPSIS
        Where a provider remembers a started request: its run's correlation id and its target, the two things
        GetSyncCycleState(ComputerName, AuthSession) receives again.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()] [AllowEmptyString()] [string] $CorrelationId,
        [Parameter(Mandatory)] [string] $Target
    )

    "$CorrelationId|$Target"
}
