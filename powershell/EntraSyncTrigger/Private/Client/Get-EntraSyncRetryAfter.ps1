function Get-EntraSyncRetryAfter {
    <#
    .SYNOPSIS
        Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), or $null when there is none.
    #>
    [CmdletBinding()]
    [OutputType([System.Nullable[double]])]
    # [object]: a type literal of System.Net.Http would fail to bind on 5.1 before the assembly is loaded.
    param([Parameter(Mandatory)] [object] $Response)

    $retry = $Response.Headers.RetryAfter
    if ($null -eq $retry) { return $null }
    # PowerShell unwraps the Nullable<TimeSpan> and Nullable<DateTimeOffset> members: no .Value.
    if ($null -ne $retry.Delta) { return [Math]::Max(0, $retry.Delta.TotalSeconds) }
    if ($null -ne $retry.Date) { return [Math]::Max(0, ($retry.Date - [DateTimeOffset]::UtcNow).TotalSeconds) }
    $null
}
