# azd postprovision, ENTRA_CONFIRMATION=on only: assigns the app's managed identity the Microsoft Graph application
# permission User.Read.All. The same steps as grant-graph-permission.sh (see there why this is a hook and not Bicep).
# Assigning the app role is the admin consent: the signed-in user must be a Privileged Role Administrator (or hold
# AppRoleAssignment.ReadWrite.All). Idempotent. Needs the Azure CLI, signed in.
$ErrorActionPreference = 'Stop'

if ($env:ENTRA_CONFIRMATION -ne 'on') {
    Write-Host 'grant-graph-permission: ENTRA_CONFIRMATION is not on; no Graph permission granted'
    exit 0
}
if (-not $env:APP_IDENTITY_PRINCIPAL_ID) { throw 'APP_IDENTITY_PRINCIPAL_ID is not set (run through azd after provisioning)' }
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'grant-graph-permission: the Azure CLI (az) is needed' }

$graphAppId = '00000003-0000-0000-c000-000000000000'
$roleName = 'User.Read.All'
$principal = $env:APP_IDENTITY_PRINCIPAL_ID
$graph = (az cloud show --query endpoints.microsoftGraphResourceId -o tsv)
if ($LASTEXITCODE -ne 0 -or -not $graph) { throw "grant-graph-permission: 'az cloud show' failed ($LASTEXITCODE)" }
$graph = $graph.TrimEnd('/')

$graphSp = az rest --method get --url "$graph/v1.0/servicePrincipals(appId='$graphAppId')?`$select=id" --query id -o tsv
if ($LASTEXITCODE -ne 0 -or -not $graphSp) { throw 'grant-graph-permission: Microsoft Graph service principal not found' }
$roleId = az rest --method get --url "$graph/v1.0/servicePrincipals/$graphSp`?`$select=appRoles" --query "appRoles[?value=='$roleName' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv
if ($LASTEXITCODE -ne 0 -or -not $roleId) { throw "grant-graph-permission: $roleName not found on Microsoft Graph" }

$existing = az rest --method get --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments" --query "length(value[?appRoleId=='$roleId' && resourceId=='$graphSp'])" -o tsv
if ($LASTEXITCODE -ne 0) { throw "grant-graph-permission: reading the identity's app role assignments failed ($LASTEXITCODE)" }
if ($existing -ne '0') {
    Write-Host "grant-graph-permission: $roleName already granted to $principal"
    exit 0
}

$body = @{ principalId = $principal; resourceId = $graphSp; appRoleId = $roleId } | ConvertTo-Json -Compress
$bodyFile = New-TemporaryFile
try {
    Set-Content -Path $bodyFile -Value $body -NoNewline
    az rest --method post --url "$graph/v1.0/servicePrincipals/$graphSp/appRoleAssignedTo" --headers 'Content-Type=application/json' --body "@$bodyFile" --output none
    if ($LASTEXITCODE -ne 0) {
        throw "grant-graph-permission: could not assign $roleName; a Privileged Role Administrator posts $body to $graph/v1.0/servicePrincipals/$graphSp/appRoleAssignedTo"
    }
} finally {
    Remove-Item $bodyFile -ErrorAction SilentlyContinue
}
Write-Host "grant-graph-permission: granted $roleName to $principal (admin consent given by this assignment)"
