# azd prepackage: a clean install, the build (type check and the esbuild bundle dist/index.js, which holds the app
# and every npm dependency), then the directory azd zips (azure.yaml services.api.dist = dist/azd-package):
# host.json, a package.json whose main is the bundle, and the bundle. No node_modules and no sources go into it,
# so azd deploys it as built (remoteBuild: false) and the working tree keeps its dev dependencies.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')
npm ci --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { throw "npm ci failed ($LASTEXITCODE)" }
npm run build
if ($LASTEXITCODE -ne 0) { throw "npm run build failed ($LASTEXITCODE)" }
node infra/hooks/stage-package.mjs
if ($LASTEXITCODE -ne 0) { throw "staging the package failed ($LASTEXITCODE)" }
