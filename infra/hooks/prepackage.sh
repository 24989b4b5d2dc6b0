#!/bin/sh
# azd prepackage: a clean install, then the build (type check and the esbuild bundle dist/index.js, which holds the
# app and every npm dependency). The zip azd makes holds host.json, package.json and dist/index.js; .funcignore
# drops the rest, node_modules included, so no pruning is needed and the working tree keeps its dev dependencies.
set -eu
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund
npm run build
