#!/usr/bin/env bash
# `npm run tools`: installs the tools some checks need beyond npm, each from the project's own scripts:
#   Chromium        the status page browser test (test/status/statusPage.browser.test.ts): Debian's `chromium`
#                   via apt-get (needs root); an existing `chromium` on PATH or CHROMIUM_PATH is used as it is
#   pwsh + Pester   the runbook's tests and static checks: scripts/install-powershell.sh (NuGet)
#   Bicep CLI       infra build and lint: scripts/install-bicep.sh (NuGet)
# Every install is tried even when an earlier one failed, and each problem is named with its reason.
# Under CI=true any tool that could not be installed makes this exit 1: a check that cannot run in CI must fail it,
# never skip. On a person's machine it says so loudly and exits 0; the tests that need the missing tool then skip,
# each naming the command that installs it.
set -u
cd "$(dirname "$0")/.."

in_ci() { case "${CI:-}" in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;; *) return 1 ;; esac; }
problems=()

# --- Chromium ---
chromium="${CHROMIUM_PATH:-$(command -v chromium || true)}"
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
    if [ -n "${CHROMIUM_PATH:-}" ]; then
        problems+=("chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file")
    elif ! command -v apt-get >/dev/null 2>&1; then
        problems+=("chromium: not installed, and apt-get is not available to install it (install Chromium, or set CHROMIUM_PATH)")
    elif [ "$(id -u)" != "0" ]; then
        problems+=("chromium: not installed, and apt-get needs root: run 'sudo apt-get install chromium' (or 'sudo npm run tools')")
    else
        echo "chromium: installing Debian's chromium with apt-get"
        if ! log="$( (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) 2>&1)"; then
            problems+=("chromium: apt-get install chromium failed: $(printf '%s\n' "$log" | grep -E '^(E|W):' | head -n 2 | tr '\n' ' ')")
        fi
        chromium="$(command -v chromium || true)"
    fi
fi
if [ -n "$chromium" ] && [ -x "$chromium" ]; then
    # Debian's launcher script prints a harmless shell warning on stderr; the version is on stdout.
    if version="$("$chromium" --version 2>/dev/null)" && [ -n "$version" ]; then
        echo "chromium: $version ($chromium)"
    else
        problems+=("chromium: $chromium is installed but '$chromium --version' fails")
    fi
fi

# --- PowerShell, Pester and the Bicep CLI: their own scripts fail under CI=true with the reason ---
bash scripts/install-powershell.sh || problems+=("pwsh/Pester: scripts/install-powershell.sh exited $? (reason above)")
bash scripts/install-bicep.sh || problems+=("bicep: scripts/install-bicep.sh exited $? (reason above)")

if [ "${#problems[@]}" -eq 0 ]; then
    echo "tools: all installed"
    exit 0
fi
if in_ci; then
    echo "tools: FAILED (CI=true: a missing tool fails the run, its checks would not exist):" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "################################################################################" >&2
echo "tools: NOT ALL INSTALLED; the checks that need these will be SKIPPED on this machine (in CI they fail):" >&2
printf '#  - %s\n' "${problems[@]}" >&2
echo "tools: retry with: npm run tools" >&2
echo "################################################################################" >&2
exit 0
