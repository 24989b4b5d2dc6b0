metadata name = 'entra-sync-trigger'
metadata description = 'Everything the sync trigger runs on: Function App (Flex Consumption, Node 22), Storage, Service Bus, Automation with the Hybrid Worker group, monitoring, and least-privilege roles. Deployed with `azd up`.'

targetScope = 'subscription'

// ========== //
// Parameters //
// ========== //

@description('Required. azd environment name; part of every resource name and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Required. Azure region of every resource.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Optional. Name of the resource group. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Optional. Principal id of the person or pipeline deploying (AZURE_PRINCIPAL_ID): may send to the change queue and read the state tables. Empty: no developer access.')
param principalId string = ''

@description('Optional. Type of principalId.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Optional. Id of the sync target this deployment creates (lowercase letters, digits, dashes).')
param syncTargetId string = 'connect-01'

@description('Optional. More targets served by the same app, each in SYNC_TARGETS form ({ id, subscriptionId, resourceGroup, automationAccount, runbook, hybridWorkerGroup, timing? }). The app identity needs the same Automation roles on them; grant those where those accounts live.')
param additionalSyncTargets array = []

@description('Optional. Timing overrides of the created target (SYNC_TARGETS timing: quietSeconds, maxWaitSeconds, ...). Empty: the SYNC_* defaults.')
param syncTargetTiming object = {}

@description('Optional. Routing of events to targets (SYNC_ROUTING). With one target and no rules, everything goes to it.')
param syncRouting object = { rules: [] }

@description('Optional. Name of the Hybrid Runbook Worker group the Entra Connect server joins.')
param hybridWorkerGroupName string = 'entra-connect'

@description('Optional. Resource id of the Arc-enabled Entra Connect server (Microsoft.HybridCompute/machines). When set, it is registered in the worker group and gets the HybridWorkerForWindows extension.')
param arcMachineResourceId string = ''

@description('Optional. Public URI of the runbook content at a pinned version. Empty (default): the azd postprovision hook uploads and publishes infra/runbooks/Start-EntraSyncCycle.ps1.')
param runbookContentUri string = ''

@description('Optional. How HTTP callers are authorised (AUTH_MODE): function keys, or Entra ID app roles through App Service Authentication.')
@allowed(['functionKeys', 'appRoles'])
param authMode string = 'functionKeys'

@description('Conditional. Client id of the Entra app registration callers get tokens for (azd: AUTH_CLIENT_ID). Required when authMode is appRoles: the deployment fails without it, because the app trusts x-ms-client-principal only behind App Service Authentication.')
param authClientId string = ''

// appRoles without App Service Authentication would let any caller forge x-ms-client-principal: refuse it here,
// before anything is deployed, as the app refuses it at start-up (WEBSITE_AUTH_ENABLED).
var appRolesClientId = authMode == 'appRoles' && empty(authClientId)
  ? fail('authMode appRoles needs authClientId (azd env set AUTH_CLIENT_ID <client id of the Entra app registration>): App Service Authentication is what makes the x-ms-client-principal header trustworthy.')
  : authClientId
@description('Optional. ENTRA_CONFIRMATION: on = after each cycle, look the objects of joiners and other changes up in Entra ID (Microsoft Graph). On also makes the postprovision hook grant the app identity the Graph application permission User.Read.All, which needs a Privileged Role Administrator (see docs/ENTRA-CONFIRMATION.md).')
@allowed(['on', 'off'])
param entraConfirmation string = 'off'

@description('Optional. E-mail address alerts go to. Empty: the action group has no receiver.')
param alertEmail string = ''

@description('Optional. Principal ids of the systems that post AD changes to the change queue; each gets Data Sender on that queue only.')
param changeQueueSenderPrincipalIds string[] = []

@description('Optional. Deliveries of a change message before it is dead-lettered.')
@minValue(1)
@maxValue(2000)
param changeQueueMaxDeliveryCount int = 10

@description('Optional. More app settings (e.g. SYNC_QUIET_SECONDS). Settings infra manages win over these. Never put a secret here.')
param additionalAppSettings object = {}

@description('Optional. Most instances the Function App scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Tags for every resource.')
param tags object = {}

// ========= //
// Variables //
// ========= //

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })

// Names the code defaults to (src/config/settings.ts); infra sets them explicitly anyway.
var changeQueueName = 'ad-changes'
var controlQueueName = 'sync-control'
var invalidChangeQueueName = 'ad-changes-invalid'
var stateTableName = 'syncstate'
var requestTableName = 'syncrequests'
var runbookName = 'Start-EntraSyncCycle'
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
// A placeholder keeps the extension module's scope computable when no Arc machine is given (ARM evaluates it even
// for a skipped deployment).
var arcMachineIdOrPlaceholder = empty(arcMachineResourceId) ? '${subscription().id}/resourceGroups/none/providers/Microsoft.HybridCompute/machines/none' : arcMachineResourceId
var arcMachineIdParts = split(arcMachineIdOrPlaceholder, '/')

// ========= //
// Resources //
// ========= //

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? '${abbrs.resourcesResourceGroups}${environmentName}' : resourceGroupName
  location: location
  tags: allTags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    tableNames: [stateTableName, requestTableName]
  }
}

module serviceBus 'app/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: allTags
    changeQueueName: changeQueueName
    controlQueueName: controlQueueName
    invalidChangeQueueName: invalidChangeQueueName
    changeQueueMaxDeliveryCount: changeQueueMaxDeliveryCount
  }
}

module automation 'app/automation.bicep' = {
  name: 'automation'
  scope: rg
  params: {
    name: '${abbrs.automationAutomationAccounts}${resourceToken}'
    location: location
    tags: allTags
    runbookName: runbookName
    hybridWorkerGroupName: hybridWorkerGroupName
    runbookContentUri: runbookContentUri
    arcMachineResourceId: arcMachineResourceId
  }
}

// The extension lives with the Arc machine, which may be in another resource group or subscription.
module hybridWorkerExtension 'app/hybridWorkerExtension.bicep' = if (!empty(arcMachineResourceId)) {
  name: 'hybridWorkerExtension'
  scope: resourceGroup(arcMachineIdParts[2], arcMachineIdParts[4])
  params: {
    machineName: last(arcMachineIdParts)
    automationHybridServiceUrl: automation.outputs.hybridServiceUrl
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    alertNamePrefix: 'entra-sync-${resourceToken}'
    location: location
    tags: allTags
    alertEmail: alertEmail
    serviceBusNamespaceResourceId: serviceBus.outputs.resourceId
  }
}

var createdTarget = {
  id: syncTargetId
  subscriptionId: subscription().subscriptionId
  resourceGroup: rg.name
  automationAccount: automation.outputs.name
  runbook: automation.outputs.runbookName
  hybridWorkerGroup: automation.outputs.hybridWorkerGroupName
}
var syncTarget = empty(syncTargetTiming) ? createdTarget : union(createdTarget, { timing: syncTargetTiming })

module functionApp 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: allTags
    serviceName: 'api'
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    tableServiceUri: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    changeQueueName: serviceBus.outputs.changeQueueName
    controlQueueName: serviceBus.outputs.controlQueueName
    invalidChangeQueueName: serviceBus.outputs.invalidChangeQueueName
    stateTableName: stateTableName
    requestTableName: requestTableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    syncTargets: concat([syncTarget], additionalSyncTargets)
    syncRouting: syncRouting
    authMode: authMode
    authClientId: appRolesClientId
    workbookUrl: monitoring.outputs.workbookUrl
    entraConfirmation: entraConfirmation
    additionalAppSettings: additionalAppSettings
    maximumInstanceCount: maximumInstanceCount
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    // Names known at the start of the deployment (a loop count cannot come from a module output).
    tableNames: [stateTableName, requestTableName]
    serviceBusNamespaceName: serviceBus.outputs.name
    changeQueueName: serviceBus.outputs.changeQueueName
    controlQueueName: serviceBus.outputs.controlQueueName
    invalidChangeQueueName: serviceBus.outputs.invalidChangeQueueName
    automationAccountName: automation.outputs.name
    runbookName: automation.outputs.runbookName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    changeQueueSenderPrincipalIds: changeQueueSenderPrincipalIds
    developerPrincipalId: principalId
    developerPrincipalType: principalType
  }
}

// ======= //
// Outputs //
// ======= //

@description('The resource group everything is in.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('The tenant deployed to.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('The region deployed to.')
output AZURE_LOCATION string = location

@description('The Function App name.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('The Function App base URL.')
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'

@description('Client id of the app identity (AZURE_CLIENT_ID in the app).')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('The Automation account name (the postprovision hook publishes the runbook there).')
output AUTOMATION_ACCOUNT_NAME string = automation.outputs.name

@description('The runbook name.')
output AUTOMATION_RUNBOOK_NAME string = automation.outputs.runbookName

@description('The Hybrid Runbook Worker group the Connect server must join.')
output HYBRID_WORKER_GROUP_NAME string = automation.outputs.hybridWorkerGroupName

@description('Whether ARM already published the runbook from runbookContentUri (the hook then skips the upload).')
output RUNBOOK_PUBLISHED_BY_ARM bool = !empty(runbookContentUri)

@description('The Service Bus namespace host name.')
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace

@description('The change queue producers send AD changes to.')
output CHANGE_QUEUE_NAME string = serviceBus.outputs.changeQueueName

@description('The storage account name.')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Link to the on-call workbook.')
output WORKBOOK_URL string = monitoring.outputs.workbookUrl

@description('The sync target id this deployment created.')
output SYNC_TARGET_ID string = syncTargetId

@description('ENTRA_CONFIRMATION as deployed; the postprovision hook grants the Graph permission only when on.')
output ENTRA_CONFIRMATION string = entraConfirmation

@description('Object id of the app\'s managed identity: the postprovision hook assigns it the Graph app role.')
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
