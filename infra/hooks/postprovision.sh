#!/bin/sh
# azd postprovision: grants the Graph permission when ENTRA_CONFIRMATION=on, then uploads
# infra/runbooks/<runbook>.ps1 as the runbook's draft and publishes it.
# Bicep can create a runbook but can only fill it from a public URI (publishContentLink); this hook publishes the
# file from this checkout instead, so what runs on the Hybrid Worker is exactly the reviewed file. Idempotent: every
# run uploads and publishes the current file. Needs the Azure CLI, signed in (az login, or azure/login in CI).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"

# ENTRA_CONFIRMATION=on: the Graph permission first (a no-op when off); see grant-graph-permission.sh.
sh "$here/grant-graph-permission.sh"

if [ "${RUNBOOK_PUBLISHED_BY_ARM:-false}" = "true" ]; then
    echo "postprovision: runbook published by ARM from runbookContentUri; nothing to upload"
    exit 0
fi

: "${AZURE_SUBSCRIPTION_ID:?AZURE_SUBSCRIPTION_ID is not set (run through azd)}"
: "${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP is not set (run through azd)}"
: "${AUTOMATION_ACCOUNT_NAME:?AUTOMATION_ACCOUNT_NAME is not set (run through azd)}"
runbook="${AUTOMATION_RUNBOOK_NAME:-Start-EntraSyncCycle}"
file="$here/../runbooks/$runbook.ps1"
api="2023-11-01"

[ -f "$file" ] || { echo "postprovision: $file not found" >&2; exit 1; }
command -v az >/dev/null 2>&1 || { echo "postprovision: the Azure CLI (az) is needed to publish the runbook" >&2; exit 1; }

arm="$(az cloud show --query endpoints.resourceManager -o tsv)"
arm="${arm%/}"
url="$arm/subscriptions/$AZURE_SUBSCRIPTION_ID/resourceGroups/$AZURE_RESOURCE_GROUP/providers/Microsoft.Automation/automationAccounts/$AUTOMATION_ACCOUNT_NAME/runbooks/$runbook"

echo "postprovision: uploading $runbook.ps1 to $AUTOMATION_ACCOUNT_NAME"
az rest --method put --url "$url/draft/content?api-version=$api" \
    --headers "Content-Type=text/powershell" --body "@$file" --output none
echo "postprovision: publishing $runbook"
az rest --method post --url "$url/publish?api-version=$api" --output none

# Publishing is asynchronous; wait briefly so a first `azd up` ends with a runnable runbook.
i=0
while [ "$i" -lt 30 ]; do
    state="$(az rest --method get --url "$url?api-version=$api" --query properties.state -o tsv)"
    if [ "$state" = "Published" ]; then
        echo "postprovision: $runbook is published"
        exit 0
    fi
    i=$((i + 1))
    sleep 2
done
echo "postprovision: $runbook state is '$state' after 60 s; check it in the portal" >&2
exit 1
