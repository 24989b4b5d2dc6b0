function ConvertTo-EntraSyncChange {
    <#
    .SYNOPSIS
        One change of a batch, from a hashtable or an object (Import-Csv, Get-ADUser, a hand-written @{...}), in the
        API's field names.

    .DESCRIPTION
        The API's change fields (kind, id, target, upn, domain, distinguishedName, objectId, urgent) are matched
        without regard to case, and the usual AD spellings are taken for them: UserPrincipalName for upn, ObjectGuid
        (a [guid] or its text) for objectId. Null and empty values are left out. Any other field is passed on as it
        is, so that the service refuses it with a pointer to it (400 VALIDATION_FAILED) rather than the client
        dropping it unseen. Only the listed fields are read from an AD object, which has many more.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory)] [object] $InputObject)

    $spelling = [ordered]@{
        kind = 'kind'; id = 'id'; target = 'target'; upn = 'upn'; userprincipalname = 'upn'; domain = 'domain'
        distinguishedname = 'distinguishedName'; objectid = 'objectId'; objectguid = 'objectId'; urgent = 'urgent'
    }
    $pairs = @()
    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in $InputObject.Keys) { $pairs += , @([string] $key, $InputObject[$key]) }
    } else {
        $isAdObject = $InputObject.PSObject.TypeNames -match 'ADUser|ADObject|ADGroup|ADAccount'
        foreach ($property in $InputObject.PSObject.Properties) {
            if ($isAdObject -and -not $spelling.Contains($property.Name.ToLowerInvariant())) { continue }
            $pairs += , @($property.Name, $property.Value)
        }
    }
    $change = [ordered]@{}
    foreach ($pair in $pairs) {
        $name = $pair[0]
        $value = $pair[1]
        if ($null -eq $value -or ($value -is [string] -and $value -eq '')) { continue }
        $lower = $name.ToLowerInvariant()
        if ($spelling.Contains($lower)) { $name = $spelling[$lower] }
        if ($value -is [guid]) { $value = $value.ToString() }
        $change[$name] = $value
    }
    if ($change.Count -eq 0) { throw (New-EntraSyncErrorRecord -Code 'INVALID_ARGUMENT' -Detail 'A change has no fields; give at least its kind (joiner, mover, ...).') }
    $change
}
