function New-IdleEntraSyncTriggerError {
    <#
    .SYNOPSIS
        An error of the provider itself (bad step input, no cycle started), in the client's shape: "<code>: <detail>"
        and Exception.Data Code, Detail and 'Idle.IsTransient' = $false (retrying the step would fail the same way).
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)] [string] $Code,
        [Parameter(Mandatory)] [string] $Detail
    )

    $exception = [System.ArgumentException]::new("${Code}: $Detail")
    $exception.Data['Code'] = $Code
    $exception.Data['Detail'] = $Detail
    $exception.Data['Status'] = $null
    $exception.Data['Idle.IsTransient'] = $false
    [System.Management.Automation.ErrorRecord]::new($exception, $Code, [System.Management.Automation.ErrorCategory]::InvalidArgument, $null)
}
