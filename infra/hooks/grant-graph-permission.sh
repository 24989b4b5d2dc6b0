#!/bin/sh
# azd postprovision, ENTRA_CONFIRMATION=on only: assigns the app's managed identity the Microsoft Graph application
# permission User.Read.All (an app role assignment on Graph's service principal). Why a hook and not Bicep: the
# Microsoft Graph Bicep extension (Microsoft.Graph/appRoleAssignedTo) is a registry extension
# (br:mcr.microsoft.com/bicep/extensions/microsoftgraph/...) that `bicep build` must restore over the network, and the
# deployer needs the same Entra privilege either way. Assigning an app role to a managed identity IS the admin
# consent: the signed-in user must be a Privileged Role Administrator (or Global Administrator), or hold
# AppRoleAssignment.ReadWrite.All. Without it this hook prints the command for an administrator and fails.
# Idempotent: an existing assignment is left alone. Needs the Azure CLI, signed in.
set -eu

if [ "${ENTRA_CONFIRMATION:-off}" != "on" ]; then
    echo "grant-graph-permission: ENTRA_CONFIRMATION is not on; no Graph permission granted"
    exit 0
fi
: "${APP_IDENTITY_PRINCIPAL_ID:?APP_IDENTITY_PRINCIPAL_ID is not set (run through azd after provisioning)}"
command -v az >/dev/null 2>&1 || { echo "grant-graph-permission: the Azure CLI (az) is needed" >&2; exit 1; }

# Microsoft Graph's well-known application id; the role is looked up by name (its id is the same in every tenant,
# but reading it keeps the script honest in national clouds).
graph_app_id="00000003-0000-0000-c000-000000000000"
role_name="User.Read.All"
graph="$(az cloud show --query endpoints.microsoftGraphResourceId -o tsv)"
graph="${graph%/}"

graph_sp="$(az rest --method get --url "$graph/v1.0/servicePrincipals(appId='$graph_app_id')?\$select=id" --query id -o tsv)"
role_id="$(az rest --method get --url "$graph/v1.0/servicePrincipals/$graph_sp?\$select=appRoles" \
    --query "appRoles[?value=='$role_name' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)"
[ -n "$role_id" ] || { echo "grant-graph-permission: $role_name not found on Microsoft Graph" >&2; exit 1; }

existing="$(az rest --method get --url "$graph/v1.0/servicePrincipals/$APP_IDENTITY_PRINCIPAL_ID/appRoleAssignments" \
    --query "length(value[?appRoleId=='$role_id' && resourceId=='$graph_sp'])" -o tsv)"
if [ "$existing" != "0" ]; then
    echo "grant-graph-permission: $role_name already granted to $APP_IDENTITY_PRINCIPAL_ID"
    exit 0
fi

body="{\"principalId\":\"$APP_IDENTITY_PRINCIPAL_ID\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role_id\"}"
if az rest --method post --url "$graph/v1.0/servicePrincipals/$graph_sp/appRoleAssignedTo" \
    --headers "Content-Type=application/json" --body "$body" --output none; then
    echo "grant-graph-permission: granted $role_name to $APP_IDENTITY_PRINCIPAL_ID (admin consent given by this assignment)"
else
    echo "grant-graph-permission: could not assign $role_name. An administrator (Privileged Role Administrator) runs:" >&2
    echo "  az rest --method post --url '$graph/v1.0/servicePrincipals/$graph_sp/appRoleAssignedTo' --headers Content-Type=application/json --body '$body'" >&2
    exit 1
fi
