function Get-EntraSyncTokenFromScript {
    <#
    .SYNOPSIS
        Runs a connection's -TokenScript and returns the bearer token it produced, as text.

    .DESCRIPTION
        Accepts what the usual token sources return: a string, a SecureString, an object with a Token property
        (Get-AzAccessToken; a SecureString there since Az 14) or an AccessToken property (MSAL.PS, an MSAL
        AuthenticationResult). The script runs for every request: token sources cache and refresh on their own, and
        calling it each time means an expired token is never sent.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [scriptblock] $TokenScript)

    try {
        $produced = @(& $TokenScript)
    } catch {
        $record = New-EntraSyncErrorRecord -Code 'TOKEN_SCRIPT_FAILED' -Detail "The -TokenScript failed: $($_.Exception.Message)" -InnerException $_.Exception
        throw $record
    }
    $token = $null
    if ($produced.Count -eq 1) {
        $value = $produced[0]
        if ($value -is [string] -or $value -is [securestring]) {
            $token = $value
        } elseif ($null -ne $value) {
            foreach ($property in @('Token', 'AccessToken')) {
                # The indexer, not .Name -contains: an object without properties (a number) has no Name under StrictMode.
                $member = $value.PSObject.Properties[$property]
                if ($null -ne $member) { $token = $member.Value; break }
            }
        }
    }
    if ($token -is [securestring]) { $token = Get-EntraSyncPlainText -Secret $token }
    if ($token -isnot [string] -or [string]::IsNullOrWhiteSpace($token)) {
        $record = New-EntraSyncErrorRecord -Code 'TOKEN_SCRIPT_FAILED' -Detail 'The -TokenScript must return one token: a string, a SecureString, or an object with a Token or AccessToken property.'
        throw $record
    }
    $token
}
