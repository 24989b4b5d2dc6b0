# azd postpackage: the zip is made; bring the development dependencies back that prepackage pruned, so tests and
# tools keep working in this working tree.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
npm ci --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { throw "npm ci failed ($LASTEXITCODE)" }
