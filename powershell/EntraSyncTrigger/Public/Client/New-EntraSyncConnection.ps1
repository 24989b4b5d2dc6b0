function New-EntraSyncConnection {
    <#
    .SYNOPSIS
        Creates a connection to an entra-sync-trigger service: its base URL and how to authenticate.

    .DESCRIPTION
        Every command takes a connection with -Connection, or uses the one Connect-EntraSync set. Authentication:

          -FunctionKey   the key of the function (x-functions-key header). Function keys are per function:
                         submitting Delta changes needs a key of postSyncRequests, Initial one of
                         postInitialSyncRequests, reading status one of getSyncRequestStatus, the overview one of
                         statusPage (docs/API.md, "Authorization"). Set the same key value on several functions to
                         use one connection for all of them.
          -AccessToken   an Entra ID access token for the API's audience (api://<client id>), sent as
                         Authorization: Bearer, for AUTH_MODE=appRoles.
          -TokenScript   a script block that returns such a token, run before every request: a managed identity
                         (Get-AzAccessToken -ResourceUrl api://<client id>), MSAL.PS (Get-MsalToken) or anything
                         that returns a string, a SecureString, or an object with a Token or AccessToken property.

        -FunctionKey may be given together with -AccessToken or -TokenScript: with AUTH_MODE=appRoles the Functions
        host still checks a function key, and App Service Authentication the token. Keys and tokens are kept as
        SecureString and sent only in headers, only to the BaseUri's origin (a status URL that names another host is
        read from the BaseUri instead), never in a query string. Locally (npm start) no key is checked.

        The BaseUri must use https, except for a loopback host (localhost, 127.0.0.1, ::1): a key sent over plain
        http to another machine could be read on the way.

    .PARAMETER BaseUri
        The service's root URL, e.g. https://<app>.azurewebsites.net, or a gateway's URL with a path prefix. The
        API's paths (api/sync/requests, ...) are appended to it.

    .PARAMETER FunctionKey
        A function key, as a string or a SecureString.

    .PARAMETER AccessToken
        A bearer token, as a string or a SecureString. It is not refreshed: for long-running scripts use
        -TokenScript.

    .PARAMETER TokenScript
        A script block that returns a bearer token; called before every request.

    .PARAMETER TimeoutSeconds
        How long one HTTP request may take before it fails with TIMEOUT (transient). Default 100.

    .EXAMPLE
        $connection = New-EntraSyncConnection -BaseUri https://sync-contoso.azurewebsites.net -FunctionKey $env:SYNC_FUNCTION_KEY
        Submit-EntraSyncChange -Connection $connection -Upn new.starter@contoso.com | Wait-EntraSyncRequest -Connection $connection

        A function key from the environment; the joiner is submitted and awaited with this connection.

    .EXAMPLE
        $connection = New-EntraSyncConnection -BaseUri https://sync-contoso.azurewebsites.net -FunctionKey $key `
            -TokenScript { Get-AzAccessToken -ResourceUrl 'api://00000000-0000-0000-0000-000000000001' }

        AUTH_MODE=appRoles from an Azure VM or Automation with a managed identity (after Connect-AzAccount
        -Identity): a fresh token for every request, and the function key the host still checks.

    .EXAMPLE
        New-EntraSyncConnection -BaseUri http://localhost:7071

        The local host started by npm start, which checks no key.

    .OUTPUTS
        EntraSyncTrigger.Connection
    #>
    [CmdletBinding(DefaultParameterSetName = 'FunctionKey')]
    [OutputType('EntraSyncTrigger.Connection')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [uri] $BaseUri,

        [ValidateNotNull()]
        [object] $FunctionKey,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [ValidateNotNull()]
        [object] $AccessToken,

        [Parameter(Mandatory, ParameterSetName = 'TokenScript')]
        [scriptblock] $TokenScript,

        [ValidateRange(1, 600)]
        [int] $TimeoutSeconds = 100
    )

    try {
        if (-not $BaseUri.IsAbsoluteUri -or $BaseUri.Scheme -notin @('http', 'https')) {
            throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "-BaseUri must be an absolute http(s) URL, got '$BaseUri'.")
        }
        if ($BaseUri.Scheme -eq 'http' -and -not $BaseUri.IsLoopback) {
            throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "-BaseUri must use https: '$BaseUri' would send keys and tokens unencrypted (http is accepted for localhost only).")
        }
        if ($BaseUri.Query -or $BaseUri.Fragment) {
            throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail "-BaseUri must not have a query or fragment (a ?code= key belongs in -FunctionKey), got '$BaseUri'.")
        }
        $auth = @()
        if ($null -ne $FunctionKey) { $auth += 'FunctionKey' }
        if ($PSCmdlet.ParameterSetName -ne 'FunctionKey') { $auth += $PSCmdlet.ParameterSetName }
        if ($auth.Count -eq 0) { $auth = @('None') }
        [pscustomobject]@{
            PSTypeName     = 'EntraSyncTrigger.Connection'
            BaseUri        = [uri]::new($BaseUri.AbsoluteUri.TrimEnd('/') + '/')
            Authentication = $auth -join ' + '
            FunctionKey    = ConvertTo-EntraSyncSecret -Value $FunctionKey -Name 'FunctionKey'
            AccessToken    = ConvertTo-EntraSyncSecret -Value $AccessToken -Name 'AccessToken'
            TokenScript    = $TokenScript
            TimeoutSeconds = $TimeoutSeconds
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
}
