#!/usr/bin/env bash
# End to end on the real Azure Functions host: Core Tools v4 runs the built app (dist/index.js, as deployed) with
# Azurite for storage and Microsoft's Service Bus emulator for the queues, and one joiner is driven to its final
# status over HTTP: POST /api/sync/requests -> 202 + Location, poll the Location (honouring Retry-After) until it
# is no longer 202, then require 200 with state "succeeded".
#
# It downloads binaries (Core Tools from the npm package azure-functions-core-tools, which fetches the host at
# install; the extension bundle at host start) and needs Docker (the emulator and its SQL dependency), so it runs in
# GitHub Actions (.github/workflows/host-e2e.yml) and on a developer machine with Docker, not on a machine limited
# to the npm registry. docs/TESTING.md, "Real Functions host".
#
# What is real here: the Functions host and its Node worker loading our bundle, the HTTP, timer and Service Bus
# trigger registrations (the Service Bus listeners must start against the emulator's queues, which
# test/host-e2e/servicebus-emulator.config.json declares with the names infra/app/serviceBus.bicep gives them),
# Table Storage on Azurite. Simulated: the Entra Connect server (AUTOMATION_MODE=simulated, as `npm start`).
# The app's own Service Bus client signs in with Entra ID only (ServiceBusConnection__fullyQualifiedNamespace), which
# the emulator does not accept, so here the app schedules its wake-ups in memory and the reconcile timer (every
# 2 minutes) closes the window and observes the job: the joiner turns final within about 2 to 6 minutes.
#
# Usage: bash scripts/host-e2e.sh   (after `npm ci`; it builds the app itself). Needs docker, curl, node, npm.
#   HOST_E2E_TIMEOUT_SECONDS  how long the joiner may take to turn final (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

CORE_TOOLS_VERSION="4.15.1"
EMULATOR_IMAGE="mcr.microsoft.com/azure-messaging/servicebus-emulator:latest"
SQL_IMAGE="mcr.microsoft.com/azure-sql-edge:latest"
# Not a secret: a throwaway password for a container that lives for this run only and listens on no host port.
SQL_PASSWORD="HostE2e-$(date +%s)-Aa1!"
# The emulator's fixed, documented development connection string (it accepts no other key).
SB_CONNECTION="Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
PORT=7071
BASE="http://localhost:$PORT"
timeout_s="${HOST_E2E_TIMEOUT_SECONDS:-600}"

for tool in docker curl node npm; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "host-e2e: FAILED: $tool is not installed" >&2
        exit 1
    }
done

work="$(mktemp -d)"
net="host-e2e-$$"
pids=()
cleanup() {
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "--- host log (last 80 lines) ---" >&2
        tail -n 80 "$work/func.log" 2>/dev/null >&2 || true
        echo "--- Service Bus emulator log (last 40 lines) ---" >&2
        docker logs --tail 40 "$net-sb" 2>&1 >&2 || true
    fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    docker rm -f "$net-sb" "$net-sql" >/dev/null 2>&1 || true
    docker network rm "$net" >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# wait_for <what> <seconds> <command...>: retries the command every 2 s until it succeeds.
wait_for() {
    local what="$1" seconds="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "host-e2e: FAILED: $what not ready after ${seconds}s" >&2
            return 1
        fi
        sleep 2
    done
    echo "host-e2e: $what ready"
}

echo "host-e2e: building the app (npm run build -> dist/index.js)"
npm run build

echo "host-e2e: Core Tools $CORE_TOOLS_VERSION (npm package azure-functions-core-tools)"
npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$work/core-tools" \
    "azure-functions-core-tools@$CORE_TOOLS_VERSION"
func="$work/core-tools/node_modules/.bin/func"
"$func" --version

echo "host-e2e: Service Bus emulator ($EMULATOR_IMAGE) with its SQL dependency ($SQL_IMAGE)"
docker network create "$net" >/dev/null
docker run -d --name "$net-sql" --network "$net" --network-alias sqledge \
    -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD="$SQL_PASSWORD" "$SQL_IMAGE" >/dev/null
docker run -d --name "$net-sb" --network "$net" -p 5672:5672 -p 5300:5300 \
    -v "$root/test/host-e2e/servicebus-emulator.config.json:/ServiceBus_Emulator/ConfigFiles/Config.json:ro" \
    -e ACCEPT_EULA=Y -e SQL_SERVER=sqledge -e MSSQL_SA_PASSWORD="$SQL_PASSWORD" "$EMULATOR_IMAGE" >/dev/null
wait_for "Service Bus emulator" 240 curl -fsS http://localhost:5300/health

echo "host-e2e: Azurite (the project's devDependency) on its default ports"
npx azurite --silent --skipApiVersionCheck --location "$work/azurite" >"$work/azurite.log" 2>&1 &
pids+=($!)
wait_for "Azurite" 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/10000 && exec 3<>/dev/tcp/127.0.0.1/10001 && exec 3<>/dev/tcp/127.0.0.1/10002'

# The deployed package's shape (what azd uploads): host.json, package.json with `main`, the one-file bundle. The
# settings are the sample's, with the emulators' connections and short simulated timings; nothing is written into
# the repository, and a developer's own local.settings.json is not touched.
app="$work/app"
mkdir -p "$app/dist"
cp host.json package.json "$app/"
cp dist/index.js "$app/dist/"
SB_CONNECTION="$SB_CONNECTION" node -e '
const sample = require(process.argv[1]);
const values = Object.fromEntries(Object.entries(sample.Values).filter(([, v]) => v !== ""));
Object.assign(values, {
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    // The host Service Bus triggers use the emulator, by connection string (the only kind it accepts).
    ServiceBusConnection: process.env.SB_CONNECTION,
    AUTOMATION_MODE: "simulated",
    SYNC_QUIET_SECONDS: "5",
    SIMULATED_CONNECT_SCHEDULER_MINUTES: "0",
    SIMULATED_CONNECT_WORKER_POLL_SECONDS: "5",
    SIMULATED_CONNECT_CYCLE_SECONDS: "10",
});
require("node:fs").writeFileSync(process.argv[2], JSON.stringify({ IsEncrypted: false, Values: values }, null, 2));
' "$root/local.settings.sample.json" "$app/local.settings.json"

echo "host-e2e: starting the Functions host on port $PORT"
(cd "$app" && exec "$func" start --port "$PORT") >"$work/func.log" 2>&1 &
pids+=($!)
wait_for "Functions host" 300 curl -fsS "$BASE/api/openapi.json"

for name in postSyncRequests getSyncRequestStatus changeQueue controlQueue reconcileTimer; do
    grep -q "$name:" "$work/func.log" || {
        echo "host-e2e: FAILED: the host did not list the function $name" >&2
        exit 1
    }
done

echo "host-e2e: POST a joiner"
status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST "$BASE/api/sync/requests" \
    -H 'content-type: application/json' -d '{"changes":[{"kind":"joiner","upn":"ada.lovelace@contoso.com"}]}')"
cat "$work/body"
echo
[ "$status" = "202" ] || {
    echo "host-e2e: FAILED: POST answered $status, expected 202" >&2
    exit 1
}
location="$(tr -d '\r' <"$work/headers" | sed -n 's/^[Ll]ocation: *//p' | head -n 1)"
case "$location" in
    http://* | https://*) echo "host-e2e: Location $location" ;;
    *)
        echo "host-e2e: FAILED: no absolute Location header" >&2
        exit 1
        ;;
esac

deadline=$((SECONDS + timeout_s))
while :; do
    status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$location")"
    [ "$status" = "202" ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "host-e2e: FAILED: still 202 after ${timeout_s}s: $(cat "$work/body")" >&2
        exit 1
    fi
    retry="$(tr -d '\r' <"$work/headers" | sed -n 's/^[Rr]etry-[Aa]fter: *//p' | head -n 1)"
    echo "host-e2e: 202 $(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).state)' "$work/body"), Retry-After ${retry:-?}"
    sleep "${retry:-10}"
done
echo "host-e2e: final $status: $(cat "$work/body")"
[ "$status" = "200" ] || {
    echo "host-e2e: FAILED: final status $status, expected 200" >&2
    exit 1
}
node -e '
const body = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (body.state !== "succeeded") { console.error(`host-e2e: FAILED: state ${body.state}, expected succeeded`); process.exit(1); }
' "$work/body"
echo "host-e2e: PASSED: the joiner reached succeeded on the real Functions host"
