#!/bin/sh
# azd postpackage: the zip is made; bring the development dependencies back that prepackage pruned, so tests and
# tools keep working in this working tree.
set -eu
cd "$(dirname "$0")/../.."
npm ci --no-audit --no-fund
