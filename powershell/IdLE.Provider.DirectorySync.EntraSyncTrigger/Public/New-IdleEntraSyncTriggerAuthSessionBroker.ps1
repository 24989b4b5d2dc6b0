function New-IdleEntraSyncTriggerAuthSessionBroker {
    <#
    .SYNOPSIS
        Creates the AuthSessionBroker that gives the entra-sync-trigger provider its credentials, the workflow's
        object and the run's correlation id.

    .DESCRIPTION
        IdLE passes a DirectorySync provider nothing but PolicyType, ComputerName and an auth session, so this
        broker puts into the session what the service needs beyond them. For every provider call IdLE asks it
        AcquireAuthSession(Name, Options), with Options = the step's With.AuthSessionOptions (templates resolved at
        planning) plus the execution's CorrelationId and Actor. The session it returns carries:
          - the credentials: -FunctionKey and/or -AccessToken or -TokenScript (see New-EntraSyncConnection);
          - the object, from AuthSessionOptions Upn, ObjectGuid or DistinguishedName (and Kind, default joiner):
            with ENTRA_CONFIRMATION=on the step then ends only when the object is in Entra ID;
          - the correlation id: the request's Idempotency-Key is derived from it (with the target, policy and
            object), so IdLE's retry of the step and a re-run of the plan replay the same request, and it is the
            trace id the service's telemetry and the runbook carry.
        Other AuthSessionOptions are refused.

        IdLE takes one AuthSessionBroker for all providers of a plan. A workflow whose other steps need sessions
        too (IdLE.Provider.AD, IdLE.Provider.EntraID) passes their broker as -FallbackBroker: sessions named
        -AuthSessionName (default 'EntraSyncTrigger', the With.AuthSessionName of the sync step) come from this
        broker, every other name goes to the fallback. Without a fallback every name gets this broker's session.

        -TokenScript becomes a method of the broker, not a property: IdLE refuses providers whose properties hold
        script blocks. It runs before every HTTP request, so use a source that caches (Get-AzAccessToken, MSAL).

    .PARAMETER FunctionKey
        A function key (string or SecureString); see New-IdleEntraSyncTriggerProvider.

    .PARAMETER AccessToken
        A bearer token (string or SecureString) for AUTH_MODE=appRoles; not refreshed.

    .PARAMETER TokenScript
        A script block that returns a bearer token (a string, a SecureString, or an object with Token or
        AccessToken); run before every request.

    .PARAMETER AuthSessionName
        The session name this broker answers when it has a -FallbackBroker (default EntraSyncTrigger).

    .PARAMETER FallbackBroker
        The broker for every other session name, e.g. one from IdLE's New-IdleAuthSessionBroker.

    .EXAMPLE
        $broker = New-IdleEntraSyncTriggerAuthSessionBroker -FunctionKey $env:ENTRA_SYNC_FUNCTION_KEY

        Function keys. In the workflow: AuthSessionName = 'EntraSyncTrigger';
        AuthSessionOptions = @{ Upn = '{{Request.Intent.UserPrincipalName}}' }.

    .EXAMPLE
        $broker = New-IdleEntraSyncTriggerAuthSessionBroker -FunctionKey $key `
            -TokenScript { Get-AzAccessToken -ResourceUrl 'api://00000000-0000-0000-0000-000000000001' }

        AUTH_MODE=appRoles with the host's managed identity (Connect-AzAccount -Identity first).

    .EXAMPLE
        $directory = New-IdleAuthSessionBroker -SessionMap @{ @{ AuthSessionName = 'Directory' } = $adCredential } -AuthSessionType Credential
        $broker = New-IdleEntraSyncTriggerAuthSessionBroker -FunctionKey $key -FallbackBroker $directory

        One broker for the whole joiner workflow: 'EntraSyncTrigger' sessions from here, 'Directory' from IdLE's.

    .EXAMPLE
        $session = $broker.AcquireAuthSession('EntraSyncTrigger', @{ Upn = 'ada@contoso.com'; CorrelationId = 'run-42' })
        $session.Upn

        What IdLE does before each provider call; prints ada@contoso.com.

    .OUTPUTS
        IdLE.AuthSessionBroker.EntraSyncTrigger, with AcquireAuthSession(Name, Options).
    #>
    [CmdletBinding(DefaultParameterSetName = 'FunctionKey')]
    [OutputType('IdLE.AuthSessionBroker.EntraSyncTrigger')]
    param(
        [ValidateNotNull()]
        [object] $FunctionKey,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [ValidateNotNull()]
        [object] $AccessToken,

        [Parameter(Mandatory, ParameterSetName = 'TokenScript')]
        [scriptblock] $TokenScript,

        [ValidateNotNullOrEmpty()]
        [string] $AuthSessionName = 'EntraSyncTrigger',

        [ValidateScript({ $null -ne $_.PSObject.Methods['AcquireAuthSession'] })]
        [object] $FallbackBroker
    )

    try {
        # New-EntraSyncConnection checks and converts the secrets; only they are kept, not a BaseUri.
        $secrets = @{ BaseUri = 'http://localhost/' }
        if ($PSBoundParameters.ContainsKey('FunctionKey')) { $secrets['FunctionKey'] = $FunctionKey }
        if ($PSBoundParameters.ContainsKey('AccessToken')) { $secrets['AccessToken'] = $AccessToken }
        $checked = New-EntraSyncConnection @secrets
    } catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
    $broker = [pscustomobject]@{
        PSTypeName      = 'IdLE.AuthSessionBroker.EntraSyncTrigger'
        AuthSessionName = $AuthSessionName
        FunctionKey     = $checked.FunctionKey
        AccessToken     = $checked.AccessToken
        FallbackBroker  = $FallbackBroker
    }
    if ($TokenScript) { $broker | Add-Member -MemberType ScriptMethod -Name GetAccessToken -Value $TokenScript }
    $broker | Add-Member -MemberType ScriptMethod -Name AcquireAuthSession -Value {
        param([string] $Name, [hashtable] $Options)
        if ($null -ne $this.FallbackBroker -and $Name -ne $this.AuthSessionName) {
            return $this.FallbackBroker.AcquireAuthSession($Name, $Options)
        }
        New-IdleEntraSyncTriggerSession -Broker $this -Name $Name -Options $Options
    }
    $broker
}
