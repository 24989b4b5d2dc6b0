metadata name = 'Hybrid Worker extension resource'
metadata description = 'The HybridWorkerForWindows extension itself. Called by hybridWorkerExtension.bicep, which reads the Arc machine\'s region: the extension must live in it.'

@description('Required. Name of the Arc-enabled machine (Microsoft.HybridCompute/machines) in this resource group.')
param machineName string

@description('Required. Region of the Arc-enabled machine; the extension lives in the same one.')
param location string

@description('Required. The Automation account\'s Hybrid Worker service URL (automationHybridServiceUrl).')
param automationHybridServiceUrl string

@description('Required. Let the extension upgrade itself to new minor versions.')
param enableAutomaticUpgrade bool

resource machine 'Microsoft.HybridCompute/machines@2026-09-01' existing = {
  name: machineName
}

resource hybridWorker 'Microsoft.HybridCompute/machines/extensions@2026-09-01' = {
  parent: machine
  name: 'HybridWorkerExtension'
  location: location
  properties: {
    publisher: 'Microsoft.Azure.Automation.HybridWorker'
    type: 'HybridWorkerForWindows'
    typeHandlerVersion: '1.1'
    autoUpgradeMinorVersion: true
    enableAutomaticUpgrade: enableAutomaticUpgrade
    settings: {
      AutomationAccountURL: automationHybridServiceUrl
    }
  }
}

@description('The resource id of the extension.')
output resourceId string = hybridWorker.id
