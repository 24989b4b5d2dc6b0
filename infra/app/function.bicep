metadata name = 'Function App'
metadata description = 'Flex Consumption plan and the Function App (Node 22) with a user-assigned identity and identity-based connections only: no key, SAS or storage connection string in any setting.'

@description('Required. Name of the Function App.')
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for the plan and the app.')
param tags object = {}

@description('Required. azd service name the app is tagged with (azure.yaml services.<name>).')
param serviceName string

@description('Required. Resource id of the user-assigned identity.')
param identityResourceId string

@description('Required. Client id of the user-assigned identity.')
param identityClientId string

@description('Required. Name of the host storage account (AzureWebJobsStorage__accountName).')
param storageAccountName string

@description('Required. Table endpoint of the storage account, without a trailing slash.')
param tableServiceUri string

@description('Required. URL of the blob container the app package is deployed from.')
param deploymentContainerUrl string

@description('Required. Host name of the Service Bus namespace (<ns>.servicebus.windows.net).')
param serviceBusFullyQualifiedNamespace string

@description('Required. Queue of AD change events.')
param changeQueueName string

@description('Required. Queue of scheduled wake-ups.')
param controlQueueName string

@description('Required. Quarantine queue for invalid change messages.')
param invalidChangeQueueName string

@description('Required. Table holding target state and finished runs.')
param stateTableName string

@description('Required. Table holding accepted requests and idempotency keys.')
param requestTableName string

@description('Required. Name of the Application Insights component in this resource group.')
param applicationInsightsName string

@description('Required. The sync targets (SYNC_TARGETS): [{ id, subscriptionId, resourceGroup, automationAccount, runbook, hybridWorkerGroup, timing? }].')
param syncTargets array

@description('Optional. Routing of events to targets (SYNC_ROUTING).')
param syncRouting object = { rules: [] }

@description('Optional. How HTTP callers are authorised (AUTH_MODE).')
@allowed(['functionKeys', 'appRoles'])
param authMode string = 'functionKeys'

@description('Conditional. Client id of the Entra app registration callers get tokens for. Required when authMode is appRoles: App Service Authentication is then switched on and rejects unauthenticated calls; without it the deployment fails.')
param authClientId string = ''

// The app trusts x-ms-client-principal only because App Service Authentication strips a caller's copy: appRoles
// always gets authsettingsV2, and without a client id the deployment fails instead of leaving the header open.
var appRolesNeedPlatformAuth = authMode == 'appRoles'
  ? (empty(authClientId)
      ? fail('authMode appRoles needs authClientId: without App Service Authentication any caller could forge x-ms-client-principal.')
      : true)
  : false

@description('Optional. Link to the workbook (WORKBOOK_URL).')
param workbookUrl string = ''

@description('Optional. ENTRA_CONFIRMATION: on = confirm each change\'s object in Entra ID through Microsoft Graph.')
@allowed(['on', 'off'])
param entraConfirmation string = 'off'

@description('Optional. More app settings, e.g. timing overrides such as SYNC_QUIET_SECONDS. Never put a secret here.')
param additionalAppSettings object = {}

@description('Optional. Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Memory of one instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Every setting src/config/settings.ts marks setByInfra, and the host's identity-based connections. Flex sets the
// worker runtime and extension version itself (functionAppConfig.runtime), so FUNCTIONS_* are deliberately absent.
var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__tableServiceUri: tableServiceUri
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  STATE_TABLE_NAME: stateTableName
  REQUEST_TABLE_NAME: requestTableName
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  CHANGE_QUEUE_NAME: changeQueueName
  CONTROL_QUEUE_NAME: controlQueueName
  INVALID_CHANGE_QUEUE_NAME: invalidChangeQueueName
  AZURE_CLIENT_ID: identityClientId
  AUTOMATION_MODE: 'azure'
  SYNC_TARGETS: string(syncTargets)
  SYNC_ROUTING: string(syncRouting)
  // Not a secret: local auth is off, so ingestion needs an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  WORKBOOK_URL: workbookUrl
  // The status page's per-run links into the portal (Logs by operation id, the Automation job).
  PORTAL_URL: environment().portal
  PORTAL_TENANT_ID: tenant().tenantId
  APPLICATION_INSIGHTS_RESOURCE_ID: appInsights.id
  AUTH_MODE: authMode
  ENTRA_CONFIRMATION: entraConfirmation
}

resource appSettingsConfig 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(additionalAppSettings, appSettings)
}

// Deployments authenticate with Entra ID (azd, OneDeploy); publishing user names and passwords stay off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = if (appRolesNeedPlatformAuth) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
  }
}

@description('The resource id of the Function App.')
output resourceId string = site.id

@description('The name of the Function App.')
output name string = site.name

@description('The default host name of the Function App.')
output defaultHostName string = site.properties.defaultHostName

@description('The app settings the app runs with (names only).')
output appSettingNames string[] = objectKeys(union(additionalAppSettings, appSettings))
