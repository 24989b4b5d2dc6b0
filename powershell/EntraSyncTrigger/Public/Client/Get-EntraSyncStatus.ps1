function Get-EntraSyncStatus {
    <#
    .SYNOPSIS
        Reads the service's status overview: per target its health, what it is doing, and its recent runs.

    .DESCRIPTION
        GET api/status (the JSON behind the status page): for each target its health (healthy, warning, failing,
        unknown), activity (idle, waiting, running, waitingAndRunning), the open window, the running and queued
        runs, the last success and the runs of the last 24 hours (at least 10), newest first. The overview has its
        own function key (statusPage); with AUTH_MODE=appRoles it needs the read role.

    .PARAMETER Target
        Only this target's entry (an error when the service has no such target).

    .PARAMETER Connection
        From New-EntraSyncConnection; default: the one Connect-EntraSync set.

    .EXAMPLE
        Get-EntraSyncStatus | Select-Object -ExpandProperty targets | Format-Table targetId, health, activity, lastSuccessAt

        One line per target.

    .EXAMPLE
        (Get-EntraSyncStatus -Target contoso).lastRuns | Select-Object -First 5 seq, outcome, startedAt, durationSeconds

        The last five runs of one target.

    .OUTPUTS
        The overview (generatedAt, workbookUrl, targets), or with -Target one target's entry.
    #>
    [CmdletBinding()]
    param(
        [ValidatePattern('\A[a-z0-9][a-z0-9-]{0,62}\z')]
        [string] $Target,

        [psobject] $Connection
    )

    try {
        $connectionToUse = Resolve-EntraSyncConnection -Connection $Connection
        $answer = Invoke-EntraSyncApi -Connection $connectionToUse -Method GET -Reference 'api/status' -SuccessStatus @(200)
        $overview = $answer.Body
        if ($null -eq $overview -or $null -eq $overview.PSObject.Properties['targets']) {
            $record = New-EntraSyncErrorRecord -Code 'UNEXPECTED_RESPONSE' -Detail 'The status overview has no targets.' -Status $answer.StatusCode
            throw $record
        }
        if (-not $Target) { return $overview }
        $entry = @($overview.targets | Where-Object { $_.targetId -eq $Target })
        if ($entry.Count -eq 0) {
            $known = @($overview.targets | ForEach-Object { $_.targetId }) -join ', '
            $record = New-EntraSyncErrorRecord -Code 'UNKNOWN_TARGET' -Detail "The service has no target '$Target' (it has: $known)."
            throw $record
        }
        $entry[0]
    } catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
}
