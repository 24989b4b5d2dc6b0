metadata name = 'Storage'
metadata description = 'Host storage (AzureWebJobsStorage), the Flex deployment container and the state tables. Shared-key access is off: every caller uses Entra ID.'

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for the account.')
param tags object = {}

@description('Required. Blob container the Flex Consumption app is deployed from.')
param deploymentContainerName string

@description('Required. Tables the engine keeps its state in (target state, requests).')
param tableNames string[]

@description('Optional. Storage redundancy.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_GZRS', 'Standard_RAGZRS'])
param skuName string = 'Standard_LRS'

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

resource stateTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

var tableEndpointWithSlash = storage.properties.primaryEndpoints.table

@description('The resource id of the storage account.')
output resourceId string = storage.id

@description('The name of the storage account.')
output name string = storage.name

@description('The blob endpoint, ending in a slash.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

// endsWith() already guarantees a length of at least 1; max() says so to the type checker (BCP329 otherwise).
@description('The table endpoint without a trailing slash (AzureWebJobsStorage__tableServiceUri).')
output tableEndpoint string = endsWith(tableEndpointWithSlash, '/') ? substring(tableEndpointWithSlash, 0, max(0, length(tableEndpointWithSlash) - 1)) : tableEndpointWithSlash

@description('The URL of the deployment container.')
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'

@description('The names of the state tables.')
output tableNames string[] = [for i in range(0, length(tableNames)): stateTables[i].name]
