#!/bin/sh
# azd prepackage: a clean install, the build (type check and the esbuild bundle dist/index.js, which holds the app
# and every npm dependency), then the directory azd zips (azure.yaml services.api.dist = dist/azd-package):
# host.json, a package.json whose main is the bundle, and the bundle. No node_modules and no sources go into it,
# so azd deploys it as built (remoteBuild: false) and the working tree keeps its dev dependencies.
set -eu
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund
npm run build
node infra/hooks/stage-package.mjs
