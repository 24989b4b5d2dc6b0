# azd prepackage: a clean install, the TypeScript build, then only production dependencies, so the zip azd makes
# holds dist/ and the runtime node_modules (host.json, package.json; .funcignore drops the rest).
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
npm ci --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { throw "npm ci failed ($LASTEXITCODE)" }
npm run build
if ($LASTEXITCODE -ne 0) { throw "npm run build failed ($LASTEXITCODE)" }
npm prune --omit=dev --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { throw "npm prune failed ($LASTEXITCODE)" }
