function Connect-EntraSync {
    <#
    .SYNOPSIS
        Sets the connection that the module's commands use when they are given no -Connection.

    .DESCRIPTION
        Takes the parameters of New-EntraSyncConnection (see its help for the authentication choices) and keeps the
        connection for this session's module instance; every later command without -Connection uses it. Each
        runspace (thread job, runspace pool) that imports the module has its own.

    .PARAMETER BaseUri
        The service's root URL, e.g. https://<app>.azurewebsites.net.

    .PARAMETER FunctionKey
        A function key, as a string or a SecureString.

    .PARAMETER AccessToken
        A bearer token, as a string or a SecureString.

    .PARAMETER TokenScript
        A script block that returns a bearer token; called before every request.

    .PARAMETER TimeoutSeconds
        How long one HTTP request may take. Default 100.

    .PARAMETER PassThru
        Also return the connection.

    .EXAMPLE
        Connect-EntraSync -BaseUri https://sync-contoso.azurewebsites.net -FunctionKey (Get-Secret SyncKey)
        Submit-EntraSyncChange -Upn new.starter@contoso.com | Wait-EntraSyncRequest

        A key from SecretManagement (a SecureString); the commands after it need no -Connection.

    .EXAMPLE
        Connect-EntraSync -BaseUri http://localhost:7071
        Get-EntraSyncStatus

        The local host (npm start).

    .OUTPUTS
        None, or EntraSyncTrigger.Connection with -PassThru.
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
        [int] $TimeoutSeconds = 100,

        [switch] $PassThru
    )

    $parameters = @{}
    foreach ($name in @('BaseUri', 'FunctionKey', 'AccessToken', 'TokenScript', 'TimeoutSeconds')) {
        if ($PSBoundParameters.ContainsKey($name)) { $parameters[$name] = $PSBoundParameters[$name] }
    }
    try {
        $script:EntraSyncDefaultConnection = New-EntraSyncConnection @parameters
    } catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
    if ($PassThru) { $script:EntraSyncDefaultConnection }
}
