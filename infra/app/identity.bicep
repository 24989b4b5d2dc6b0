metadata name = 'User-assigned identity'
metadata description = 'The one identity the Function App uses for Storage, Service Bus, Automation and Application Insights.'

@description('Required. Name of the user-assigned managed identity.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('The resource id of the identity.')
output resourceId string = identity.id

@description('The client id of the identity (AZURE_CLIENT_ID, the *__clientId settings).')
output clientId string = identity.properties.clientId

@description('The principal (object) id of the identity, for role assignments.')
output principalId string = identity.properties.principalId

@description('The name of the identity.')
output name string = identity.name
