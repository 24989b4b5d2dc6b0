function Get-IdleEntraSyncTriggerKey {
    <#
    .SYNOPSIS
        The Idempotency-Key of a start: the same for the same run, target, policy and object, so that IdLE's retry
        of a step, and a re-run of the plan with the same correlation id, replay the request instead of adding one.

    .DESCRIPTION
        'idle-' and 40 hex digits of a SHA-256 over those parts (the API's key alphabet, any correlation id).
        Without a correlation id there is no run to be idempotent within: a new GUID.
        A consequence: two TriggerDirectorySync steps in one run, for the same target, policy and object, are one
        request (the second finds the first's outcome). Give the second another AuthSessionOptions.Kind to make it
        a request of its own.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()] [AllowEmptyString()] [string] $CorrelationId,
        [Parameter(Mandatory)] [string] $Target,
        [Parameter(Mandatory)] [string] $Policy,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Change
    )

    if (-not $CorrelationId) { return [guid]::NewGuid().ToString() }
    $text = @('entra-sync-trigger/idle/1', $CorrelationId, $Target, $Policy, $Change['Kind'], $Change['Upn'], $Change['ObjectGuid'], $Change['DistinguishedName']) -join "`n"
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($text))
    } finally {
        $sha.Dispose()
    }
    'idle-' + (-join ($hash[0..19] | ForEach-Object { $_.ToString('x2') }))
}
