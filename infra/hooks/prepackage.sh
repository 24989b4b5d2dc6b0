#!/bin/sh
# azd prepackage: a clean install, the TypeScript build, then only production dependencies, so the zip azd makes
# holds dist/ and the runtime node_modules (host.json, package.json; .funcignore drops the rest).
set -eu
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev --no-audit --no-fund
