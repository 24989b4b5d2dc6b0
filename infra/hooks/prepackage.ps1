# azd prepackage: a clean install, then the build (type check and the esbuild bundle dist/index.js, which holds the
# app and every npm dependency). The zip azd makes holds host.json, package.json and dist/index.js; .funcignore
# drops the rest, node_modules included, so no pruning is needed and the working tree keeps its dev dependencies.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
npm ci --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { throw "npm ci failed ($LASTEXITCODE)" }
npm run build
if ($LASTEXITCODE -ne 0) { throw "npm run build failed ($LASTEXITCODE)" }
