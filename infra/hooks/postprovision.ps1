# azd postprovision: grants the Graph permission when ENTRA_CONFIRMATION=on, then uploads
# infra/runbooks/<runbook>.ps1 as the runbook's draft and publishes it.
# Bicep can create a runbook but can only fill it from a public URI (publishContentLink); this hook publishes the
# file from this checkout instead, so what runs on the Hybrid Worker is exactly the reviewed file. Idempotent: every
# run uploads and publishes the current file. Needs the Azure CLI, signed in (az login, or azure/login in CI).
$ErrorActionPreference = 'Stop'

# ENTRA_CONFIRMATION=on: the Graph permission first (a no-op when off); see grant-graph-permission.ps1.
& (Join-Path $PSScriptRoot 'grant-graph-permission.ps1')

if ($env:RUNBOOK_PUBLISHED_BY_ARM -eq 'true') {
    Write-Host 'postprovision: runbook published by ARM from runbookContentUri; nothing to upload'
    exit 0
}

foreach ($name in 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AUTOMATION_ACCOUNT_NAME') {
    if (-not (Get-Item "env:$name" -ErrorAction SilentlyContinue)) { throw "$name is not set (run through azd)" }
}
$runbook = if ($env:AUTOMATION_RUNBOOK_NAME) { $env:AUTOMATION_RUNBOOK_NAME } else { 'Start-EntraSyncCycle' }
$file = Join-Path $PSScriptRoot "../runbooks/$runbook.ps1"
$api = '2023-11-01'

if (-not (Test-Path $file)) { throw "postprovision: $file not found" }
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'postprovision: the Azure CLI (az) is needed to publish the runbook' }

$arm = az cloud show --query endpoints.resourceManager -o tsv
# az failing does not stop PowerShell; without this check the next line fails with "method on a null-valued expression".
if ($LASTEXITCODE -ne 0 -or -not $arm) { throw "postprovision: 'az cloud show' failed ($LASTEXITCODE)" }
$arm = $arm.TrimEnd('/')
$url = "$arm/subscriptions/$env:AZURE_SUBSCRIPTION_ID/resourceGroups/$env:AZURE_RESOURCE_GROUP/providers/Microsoft.Automation/automationAccounts/$env:AUTOMATION_ACCOUNT_NAME/runbooks/$runbook"

Write-Host "postprovision: uploading $runbook.ps1 to $env:AUTOMATION_ACCOUNT_NAME"
az rest --method put --url "$url/draft/content?api-version=$api" --headers 'Content-Type=text/powershell' --body "@$file" --output none
if ($LASTEXITCODE -ne 0) { throw "uploading the runbook failed ($LASTEXITCODE)" }
Write-Host "postprovision: publishing $runbook"
az rest --method post --url "$url/publish?api-version=$api" --output none
if ($LASTEXITCODE -ne 0) { throw "publishing the runbook failed ($LASTEXITCODE)" }

# Publishing is asynchronous; wait briefly so a first `azd up` ends with a runnable runbook.
$state = ''
for ($i = 0; $i -lt 30; $i++) {
    $state = az rest --method get --url "$url`?api-version=$api" --query properties.state -o tsv
    # Stop on a failed read, as postprovision.sh does (set -e), rather than poll on and blame an empty state at the end.
    if ($LASTEXITCODE -ne 0) { throw "postprovision: reading the state of $runbook failed ($LASTEXITCODE)" }
    if ($state -eq 'Published') {
        Write-Host "postprovision: $runbook is published"
        exit 0
    }
    Start-Sleep -Seconds 2
}
throw "postprovision: $runbook state is '$state' after 60 s; check it in the portal"
