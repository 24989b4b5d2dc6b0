metadata name = 'Role assignments'
metadata description = 'Least-privilege roles for the Function App identity (and optional producers and the developer), each scoped to the one resource it is needed on.'

@description('Required. Principal (object) id of the Function App\'s user-assigned identity.')
param appPrincipalId string

@description('Required. Name of the storage account.')
param storageAccountName string

@description('Required. Names of the state tables.')
param tableNames string[]

@description('Required. Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Required. Name of the change queue.')
param changeQueueName string

@description('Required. Name of the control queue.')
param controlQueueName string

@description('Required. Name of the quarantine queue for invalid change messages.')
param invalidChangeQueueName string

@description('Required. Name of the Automation account.')
param automationAccountName string

@description('Required. Name of the runbook the app starts.')
param runbookName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Optional. Principal ids of the systems that post AD changes to the change queue (e.g. a change notifier\'s managed identity); each gets Data Sender on that queue only.')
param changeQueueSenderPrincipalIds string[] = []

@description('Optional. Principal id of the person deploying (AZURE_PRINCIPAL_ID): Data Sender on the change queue and Table Data Reader on the state tables, so they can send a first change and read state. Empty: none.')
param developerPrincipalId string = ''

@description('Optional. Type of the developer principal.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param developerPrincipalType string = 'User'

var roleIds = {
  automationJobOperator: '4fe576fe-1146-4730-92eb-48519fa6bf9f' // Automation Job Operator
  automationRunbookOperator: '5fb5aef8-1081-4b8e-bb16-9d5d0385bab5' // Automation Runbook Operator
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6' // Storage Table Data Reader
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName

  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource stateTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' existing = [
  for tableName in tableNames: {
    parent: storage::tableService
    name: tableName
  }
]

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource changeQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = {
  parent: serviceBus
  name: changeQueueName
}

resource controlQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = {
  parent: serviceBus
  name: controlQueueName
}

resource invalidChangeQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = {
  parent: serviceBus
  name: invalidChangeQueueName
}

resource automationAccount 'Microsoft.Automation/automationAccounts@2024-10-23' existing = {
  name: automationAccountName
}

resource runbook 'Microsoft.Automation/automationAccounts/runbooks@2024-10-23' existing = {
  parent: automationAccount
  name: runbookName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Create, read, poll, stop jobs and read their output: on the account, because jobs are children of the account.
resource appJobOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(automationAccount.id, appPrincipalId, roleIds.automationJobOperator)
  scope: automationAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.automationJobOperator)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read only the one runbook it starts (Microsoft's pairing for per-runbook least privilege).
resource appRunbookOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(runbook.id, appPrincipalId, roleIds.automationRunbookOperator)
  scope: runbook
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.automationRunbookOperator)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The change queue trigger.
resource appChangeQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(changeQueue.id, appPrincipalId, roleIds.serviceBusDataReceiver)
  scope: changeQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The control queue trigger (wake-ups).
resource appControlQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(controlQueue.id, appPrincipalId, roleIds.serviceBusDataReceiver)
  scope: controlQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Scheduling wake-ups is sending scheduled messages to the control queue; the app never sends to the change queue.
resource appControlQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(controlQueue.id, appPrincipalId, roleIds.serviceBusDataSender)
  scope: controlQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Invalid change messages: the app sends a copy with its reason to the quarantine queue, then receives it back and
// dead-letters it (the v4 trigger cannot dead-letter with a reason itself). Both rights on that queue only.
resource appInvalidQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(invalidChangeQueue.id, appPrincipalId, roleIds.serviceBusDataSender)
  scope: invalidChangeQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appInvalidQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(invalidChangeQueue.id, appPrincipalId, roleIds.serviceBusDataReceiver)
  scope: invalidChangeQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions host keeps its keys, timer-trigger schedule state and singleton locks in blob containers it creates
// itself (azure-webjobs-secrets, azure-webjobs-hosts), with leases: that needs Blob Data Owner on the account, which
// also covers reading the Flex deployment container. No Storage Queue role: the app has no blob or queue trigger
// and no Durable Functions, which are the host features that use storage queues.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Engine state and requests: only on the two tables infra creates, not on the account's other tables.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in range(0, length(tableNames)): {
    name: guid(stateTables[i].id, appPrincipalId, roleIds.storageTableDataContributor)
    scope: stateTables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Entra-authenticated telemetry ingestion (App Insights local auth is off).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource producerChangeQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for producerPrincipalId in changeQueueSenderPrincipalIds: {
    name: guid(changeQueue.id, producerPrincipalId, roleIds.serviceBusDataSender)
    scope: changeQueue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
      principalId: producerPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource developerChangeQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(changeQueue.id, developerPrincipalId, roleIds.serviceBusDataSender)
  scope: changeQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

resource developerTableReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in range(0, length(tableNames)): if (!empty(developerPrincipalId)) {
    name: guid(stateTables[i].id, developerPrincipalId, roleIds.storageTableDataReader)
    scope: stateTables[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataReader)
      principalId: developerPrincipalId
      principalType: developerPrincipalType
    }
  }
]

@description('The role definition ids this module assigns, by role.')
output roleDefinitionIds object = roleIds
