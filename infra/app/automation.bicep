metadata name = 'Automation'
metadata description = 'Automation account, the sync-cycle runbook and the Hybrid Runbook Worker group; optionally the worker registration of an Arc-enabled Entra Connect server.'

@description('Required. Name of the Automation account (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for the account and runbook.')
param tags object = {}

@description('Required. Name of the runbook that runs one sync cycle (infra/runbooks/<name>.ps1).')
param runbookName string

@description('Required. Name of the Hybrid Runbook Worker group the Entra Connect server joins.')
param hybridWorkerGroupName string

@description('Optional. Public URI of the runbook content (e.g. a raw file at a pinned commit). When set, ARM publishes the runbook from it; when empty, the azd postprovision hook (infra/hooks/postprovision.*) uploads and publishes infra/runbooks/<runbookName>.ps1.')
param runbookContentUri string = ''

@description('Optional. Resource id of the Arc-enabled machine (Microsoft.HybridCompute/machines) that runs Entra Connect. When set, it is registered as a worker of the group.')
param arcMachineResourceId string = ''

resource account 'Microsoft.Automation/automationAccounts@2024-10-23' = {
  name: name
  location: location
  tags: tags
  // No identity: the runbook acts only on the Connect server it runs on (ADSync module), never on Azure.
  properties: {
    sku: { name: 'Basic' }
    // Blocks webhooks and agent-based worker keys; extension-based workers and the Function App use Entra ID.
    disableLocalAuth: true
    publicNetworkAccess: true
  }
}

// PowerShell = Windows PowerShell 5.1, which the ADSync module on the Connect server needs.
resource runbook 'Microsoft.Automation/automationAccounts/runbooks@2024-10-23' = {
  parent: account
  name: runbookName
  location: location
  tags: tags
  properties: {
    runbookType: 'PowerShell'
    description: 'Runs one Entra Connect sync cycle (Delta or Initial) on the Hybrid Worker, waits for it and writes one JSON result line.'
    logProgress: false
    logVerbose: false
    publishContentLink: empty(runbookContentUri) ? null : { uri: runbookContentUri }
    draft: empty(runbookContentUri) ? {} : null
  }
}

resource workerGroup 'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups@2024-10-23' = {
  parent: account
  name: hybridWorkerGroupName
}

resource worker 'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups/hybridRunbookWorkers@2024-10-23' = if (!empty(arcMachineResourceId)) {
  parent: workerGroup
  name: guid(workerGroup.id, arcMachineResourceId)
  properties: {
    vmResourceId: arcMachineResourceId
  }
}

@description('The resource id of the Automation account.')
output resourceId string = account.id

@description('The name of the Automation account.')
output name string = account.name

@description('The name of the runbook.')
output runbookName string = runbook.name

@description('The name of the Hybrid Runbook Worker group (the job\'s runOn).')
output hybridWorkerGroupName string = workerGroup.name

@description('The Hybrid Worker service URL the HybridWorkerForWindows extension registers with.')
output hybridServiceUrl string = account.properties.automationHybridServiceUrl
