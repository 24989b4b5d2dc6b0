function New-IdleEntraSyncTriggerSession {
    <#
    .SYNOPSIS
        What the broker's AcquireAuthSession(Name, Options) returns: the credentials, the object the workflow is
        about, and the run's correlation id.

    .DESCRIPTION
        IdLE gives a provider method only its arguments (PolicyType, ComputerName) and the auth session, so the
        session is the one way in for what the service needs beyond them. IdLE calls AcquireAuthSession with the
        step's With.AuthSessionOptions (templates already resolved at planning) and adds the execution's
        CorrelationId and Actor itself. Read from the options:
          Upn, ObjectGuid, DistinguishedName   the object: with ENTRA_CONFIRMATION=on the service confirms it in
                                               Entra ID (by objectGUID anchor, else UPN; a DN alone is not
                                               confirmed)
          Kind                                 the change kind (default joiner; manual when no object is named)
          CorrelationId, Actor                 set by IdLE: the correlation id makes the submit's Idempotency-Key
                                               (a re-run of the plan replays its request) and its trace id
        Any other option is refused with the list of those accepted: a misspelt option would otherwise just lose
        the confirmation.

        The token script stays a method of the broker (IdLE refuses script blocks in the properties of providers);
        the session carries it for the client to run before each request.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Broker,
        [AllowNull()] [AllowEmptyString()] [string] $Name,
        [AllowNull()] [System.Collections.IDictionary] $Options
    )

    $accepted = @('Upn', 'ObjectGuid', 'DistinguishedName', 'Kind', 'CorrelationId', 'Actor')
    $values = @{}
    if ($null -ne $Options) {
        foreach ($key in $Options.Keys) {
            $match = @($accepted | Where-Object { $_ -eq [string] $key })
            if ($match.Count -eq 0) {
                throw (New-IdleEntraSyncTriggerError -Code 'INVALID_AUTH_SESSION_OPTIONS' -Detail "AuthSessionOptions.$key is not an option of the entra-sync-trigger broker; it takes $($accepted[0..3] -join ', ') (and IdLE adds CorrelationId and Actor).")
            }
            $value = $Options[$key]
            if ($null -ne $value -and -not ($value -is [string] -and $value.Trim() -eq '')) { $values[$match[0]] = $value }
        }
    }
    $objectGuid = $null
    if ($values.ContainsKey('ObjectGuid')) {
        $parsed = [guid]::Empty
        if (-not [guid]::TryParse([string] $values['ObjectGuid'], [ref] $parsed)) {
            throw (New-IdleEntraSyncTriggerError -Code 'INVALID_AUTH_SESSION_OPTIONS' -Detail "AuthSessionOptions.ObjectGuid is not a GUID: '$($values['ObjectGuid'])'.")
        }
        $objectGuid = $parsed.ToString()
    }
    $kinds = @('joiner', 'mover', 'leaver', 'attribute', 'group', 'password', 'manual')
    $kind = $null
    if ($values.ContainsKey('Kind')) {
        $kind = ([string] $values['Kind']).ToLowerInvariant()
        if ($kinds -notcontains $kind) {
            throw (New-IdleEntraSyncTriggerError -Code 'INVALID_AUTH_SESSION_OPTIONS' -Detail "AuthSessionOptions.Kind must be one of $($kinds -join ', '); got '$($values['Kind'])'.")
        }
    }
    $tokenScript = $null
    if ($null -ne $Broker.PSObject.Methods['GetAccessToken']) { $tokenScript = $Broker.PSObject.Methods['GetAccessToken'].Script }
    [pscustomobject]@{
        PSTypeName        = 'EntraSyncTrigger.IdleAuthSession'
        AuthSessionName   = $Name
        FunctionKey       = $Broker.FunctionKey
        AccessToken       = $Broker.AccessToken
        TokenScript       = $tokenScript
        Kind              = $kind
        Upn               = $(if ($values.ContainsKey('Upn')) { [string] $values['Upn'] } else { $null })
        ObjectGuid        = $objectGuid
        DistinguishedName = $(if ($values.ContainsKey('DistinguishedName')) { [string] $values['DistinguishedName'] } else { $null })
        CorrelationId     = $(if ($values.ContainsKey('CorrelationId')) { [string] $values['CorrelationId'] } else { $null })
        Actor             = $(if ($values.ContainsKey('Actor')) { [string] $values['Actor'] } else { $null })
    }
}
