function New-EntraSyncErrorRecord {
    <#
    .SYNOPSIS
        The one shape of every error the client raises: a terminating ErrorRecord whose exception carries the problem
        code, detail and HTTP status, and whether retrying could help.

    .DESCRIPTION
        Exception.Message is "<code>: <detail>" (with the HTTP status and the request id when known), so a log line or
        an IdLE step result names the code. Exception.Data holds the parts for code to read:
          Code, Detail, Status (int or $null), RequestId, RetryAfterSeconds, Errors (the problem's field errors:
          pointer and detail), and 'Idle.IsTransient' ($true for
          429, 5xx and network failures; the marker IdLE's retry reads, also through the MethodInvocationException
          it is wrapped in when a provider method throws).
        The ErrorRecord's ErrorId is the code and its TargetObject the answer's body (a request status for the final
        409/410/424 answers), so `$_.TargetObject.run` is at hand in a catch block.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)] [string] $Code,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Detail,
        [Nullable[int]] $Status,
        [bool] $Transient = $false,
        [string] $RequestId,
        [Nullable[double]] $RetryAfterSeconds,
        [object] $TargetObject,
        [System.Exception] $InnerException,
        [object[]] $FieldErrors = @()
    )

    $message = "${Code}: $Detail"
    # The field errors say what to fix ("/changes/0/upn: ..."); the first three are enough for a message.
    $named = @($FieldErrors | Select-Object -First 3 | ForEach-Object { "$($_.pointer): $($_.detail)" })
    if ($named.Count -gt 0) { $message += ' [' + ($named -join '; ') + ']' }
    $where = @()
    if ($null -ne $Status) { $where += "HTTP $Status" }
    if ($RequestId) { $where += "request $RequestId" }
    if ($where.Count -gt 0) { $message += " ($($where -join ', '))" }

    if ($null -eq $InnerException) {
        $exception = [System.InvalidOperationException]::new($message)
    } else {
        $exception = [System.InvalidOperationException]::new($message, $InnerException)
    }
    $exception.Data['Code'] = $Code
    $exception.Data['Detail'] = $Detail
    $exception.Data['Status'] = $Status
    $exception.Data['RequestId'] = $RequestId
    $exception.Data['RetryAfterSeconds'] = $RetryAfterSeconds
    $exception.Data['Errors'] = $FieldErrors
    $exception.Data['Idle.IsTransient'] = $Transient

    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($null -eq $Status) {
        if ($Transient) { $category = [System.Management.Automation.ErrorCategory]::ConnectionError }
        elseif ($Code -eq 'INVALID_ARGUMENT') { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
    } elseif ($Status -eq 401 -or $Status -eq 403) {
        $category = [System.Management.Automation.ErrorCategory]::PermissionDenied
    } elseif ($Status -eq 404 -or $Status -eq 410) {
        $category = [System.Management.Automation.ErrorCategory]::ObjectNotFound
    } elseif ($Status -eq 409 -or $Status -eq 424) {
        $category = [System.Management.Automation.ErrorCategory]::OperationStopped
    } elseif ($Status -eq 429) {
        $category = [System.Management.Automation.ErrorCategory]::LimitsExceeded
    } elseif ($Status -ge 500) {
        $category = [System.Management.Automation.ErrorCategory]::ResourceUnavailable
    } elseif ($Status -ge 400) {
        $category = [System.Management.Automation.ErrorCategory]::InvalidData
    }
    [System.Management.Automation.ErrorRecord]::new($exception, $Code, $category, $TargetObject)
}
