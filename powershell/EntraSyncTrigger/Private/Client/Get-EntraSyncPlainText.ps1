function Get-EntraSyncPlainText {
    <#
    .SYNOPSIS
        The text of a SecureString, for the one place it is needed: a request header about to be sent.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [securestring] $Secret)

    # NetworkCredential does the unprotect-and-copy in both .NET Framework and .NET, without Marshal calls.
    [System.Net.NetworkCredential]::new('', $Secret).Password
}
