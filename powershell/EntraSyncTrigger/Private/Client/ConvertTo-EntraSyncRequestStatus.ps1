function ConvertTo-EntraSyncRequestStatus {
    <#
    .SYNOPSIS
        A status answer (200 or 202) as an EntraSyncTrigger.RequestStatus: the service's body plus IsFinal and
        RetryAfterSeconds.

    .DESCRIPTION
        IsFinal follows the HTTP status, not the state: with ENTRA_CONFIRMATION=on a request whose cycle has
        succeeded still answers 202 (state succeeded, entra.state confirming) until the object is confirmed in
        Entra ID, and only the 200 is final. This is the Logic Apps async pattern the API follows: 202 means poll
        again after Retry-After; any other answer is the end.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [psobject] $Answer)

    $status = $Answer.Body
    if ($null -eq $status -or $null -eq $status.PSObject.Properties['state']) {
        $record = New-EntraSyncErrorRecord -Code 'UNEXPECTED_RESPONSE' -Detail "HTTP $($Answer.StatusCode) without a request status in its body." -Status $Answer.StatusCode
        throw $record
    }
    $status.PSObject.TypeNames.Insert(0, 'EntraSyncTrigger.RequestStatus')
    $status | Add-Member -NotePropertyName IsFinal -NotePropertyValue ($Answer.StatusCode -ne 202) -Force
    $status | Add-Member -NotePropertyName RetryAfterSeconds -NotePropertyValue $Answer.RetryAfterSeconds -Force
    $status
}
