#!/usr/bin/env bash
# Installs the optional tools some checks use: Debian's Chromium (status page browser test), PowerShell and
# Pester (runbook tests), the Bicep CLI (infra build and lint).
# Each check that needs a missing tool reports itself skipped, with the reason, so `npm test` passes without them.
set -u
if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
            || echo "chromium: apt-get install failed; the browser test will be skipped"
    else
        echo "chromium: not installed and apt-get unavailable (not root?); the browser test will be skipped"
    fi
fi
command -v chromium >/dev/null 2>&1 && chromium --version || true

here="$(dirname "$0")"
bash "$here/install-powershell.sh" || true
bash "$here/install-bicep.sh" || true
exit 0
