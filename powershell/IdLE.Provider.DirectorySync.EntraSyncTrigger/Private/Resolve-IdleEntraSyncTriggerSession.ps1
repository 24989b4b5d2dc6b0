function Resolve-IdleEntraSyncTriggerSession {
    <#
    .SYNOPSIS
        What a provider method makes of the AuthSession IdLE passes it: the connection to use, the change to submit
        and the run's correlation id.

    .DESCRIPTION
        The session of New-IdleEntraSyncTriggerAuthSessionBroker gives credentials (its own take precedence over
        the provider's), the object and the correlation id. A plain string is taken as a bearer token (what IdLE's
        generic New-IdleAuthSessionBroker returns for AuthSessionType OAuth); it carries no object and no
        correlation id. No session ($null, a provider method called directly) leaves the provider's credentials.
        Without an object the change is 'manual' (a cycle, nothing to confirm); without a correlation id every
        start is a new request.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Provider,
        [AllowNull()] [object] $AuthSession
    )

    $base = $Provider.Connection
    $functionKey = $base.FunctionKey
    $accessToken = $base.AccessToken
    $tokenScript = $null
    $session = $null
    if ($AuthSession -is [string] -or $AuthSession -is [securestring]) {
        $accessToken = $AuthSession
    } elseif ($null -ne $AuthSession) {
        if ($AuthSession.PSObject.TypeNames -notcontains 'EntraSyncTrigger.IdleAuthSession') {
            throw (New-IdleEntraSyncTriggerError -Code 'INVALID_AUTH_SESSION' -Detail "The AuthSession must come from New-IdleEntraSyncTriggerAuthSessionBroker (or be a bearer token string), not [$($AuthSession.GetType().FullName)].")
        }
        $session = $AuthSession
        if ($null -ne $session.FunctionKey) { $functionKey = $session.FunctionKey }
        if ($null -ne $session.TokenScript) { $tokenScript = $session.TokenScript; $accessToken = $null }
        elseif ($null -ne $session.AccessToken) { $accessToken = $session.AccessToken }
    }

    $connection = @{ BaseUri = $base.BaseUri; TimeoutSeconds = $base.TimeoutSeconds }
    if ($null -ne $functionKey) { $connection['FunctionKey'] = $functionKey }
    if ($null -ne $tokenScript) { $connection['TokenScript'] = $tokenScript }
    elseif ($null -ne $accessToken) { $connection['AccessToken'] = $accessToken }

    $change = [ordered]@{ Kind = 'manual'; Upn = $null; ObjectGuid = $null; DistinguishedName = $null }
    $correlationId = $null
    if ($null -ne $session) {
        foreach ($name in @('Upn', 'ObjectGuid', 'DistinguishedName')) { $change[$name] = $session.$name }
        if ($session.Upn -or $session.ObjectGuid -or $session.DistinguishedName) { $change['Kind'] = 'joiner' }
        if ($session.Kind) { $change['Kind'] = $session.Kind }
        $correlationId = $session.CorrelationId
    }
    [pscustomobject]@{
        Connection    = New-EntraSyncConnection @connection
        Change        = $change
        CorrelationId = $correlationId
    }
}
