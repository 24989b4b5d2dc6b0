metadata name = 'Hybrid Worker extension'
metadata description = 'Installs the HybridWorkerForWindows extension on the Arc-enabled Entra Connect server, deployed at the machine\'s own resource group. The worker then connects outbound (HTTPS 443) to Automation: no inbound port is opened on the server.'

@description('Required. Name of the Arc-enabled machine (Microsoft.HybridCompute/machines) in this resource group.')
param machineName string

@description('Required. The Automation account\'s Hybrid Worker service URL (automationHybridServiceUrl).')
param automationHybridServiceUrl string

@description('Optional. Let the extension upgrade itself to new minor versions.')
param enableAutomaticUpgrade bool = true

resource machine 'Microsoft.HybridCompute/machines@2024-07-10' existing = {
  name: machineName
}

resource hybridWorker 'Microsoft.HybridCompute/machines/extensions@2024-07-10' = {
  parent: machine
  name: 'HybridWorkerExtension'
  location: machine.location
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
