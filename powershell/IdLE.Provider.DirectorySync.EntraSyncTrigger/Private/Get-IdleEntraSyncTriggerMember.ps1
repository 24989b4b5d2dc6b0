function Get-IdleEntraSyncTriggerMember {
    <#
    .SYNOPSIS
        A member of an object or a key of a dictionary, or $null when it has none (the module runs under
        Set-StrictMode 3, where reading a missing property is an error, and the service adds members over time).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowNull()] [object] $InputObject,
        [Parameter(Mandatory)] [string] $Name
    )

    if ($null -eq $InputObject) { return $null }
    if ($InputObject -is [System.Collections.IDictionary]) {
        if ($InputObject.Contains($Name)) { return $InputObject[$Name] }
        return $null
    }
    $property = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    $property.Value
}
