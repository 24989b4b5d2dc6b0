function Get-EntraSyncHttpClient {
    <#
    .SYNOPSIS
        The module's one HttpClient (created on first use), shared by every connection.

    .DESCRIPTION
        System.Net.Http rather than Invoke-RestMethod: Windows PowerShell 5.1's Invoke-RestMethod cannot return the
        status, headers and body of a 4xx/5xx answer (-SkipHttpErrorCheck and -ResponseHeadersVariable are 7-only),
        and those answers are the API's contract (problem details, Retry-After). HttpClient behaves the same on
        .NET Framework and .NET.

        Redirects are not followed: the API never redirects, and following one would send x-functions-key (which
        HttpClient does not strip, unlike Authorization) to wherever the redirect points. The client has no timeout
        of its own: each request gets its connection's timeout through a cancellation token.
    #>
    [CmdletBinding()]
    [OutputType('System.Net.Http.HttpClient')]
    param()

    # Test-Path, not a read: the module runs under Set-StrictMode 3, where reading an unset variable is an error.
    if (-not (Test-Path -LiteralPath 'variable:script:EntraSyncHttpClient')) {
        Add-Type -AssemblyName System.Net.Http
        if ($PSVersionTable.PSEdition -eq 'Desktop') {
            # .NET Framework may default to TLS 1.0/1.1 only; Azure Functions requires TLS 1.2.
            [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor [System.Net.SecurityProtocolType]::Tls12
        }
        $handler = [System.Net.Http.HttpClientHandler]::new()
        $handler.AllowAutoRedirect = $false
        $client = [System.Net.Http.HttpClient]::new($handler)
        $client.Timeout = [System.Threading.Timeout]::InfiniteTimeSpan
        $script:EntraSyncHttpClient = $client
    }
    $script:EntraSyncHttpClient
}
