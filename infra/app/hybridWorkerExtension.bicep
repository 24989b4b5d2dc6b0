metadata name = 'Hybrid Worker extension'
metadata description = 'Installs the HybridWorkerForWindows extension on the Arc-enabled Entra Connect server, deployed at the machine\'s own resource group. The worker then connects outbound (HTTPS 443) to Automation: no inbound port is opened on the server.'

@description('Required. Name of the Arc-enabled machine (Microsoft.HybridCompute/machines) in this resource group.')
param machineName string

@description('Required. The Automation account\'s Hybrid Worker service URL (automationHybridServiceUrl).')
param automationHybridServiceUrl string

@description('Optional. Let the extension upgrade itself to new minor versions.')
param enableAutomaticUpgrade bool = true

resource machine 'Microsoft.HybridCompute/machines@2026-09-01' existing = {
  name: machineName
}

// An extension lives in its machine's region, and a resource's location must be known when the deployment starts
// (BCP120), which an existing machine's location is not. A module parameter may be a runtime value, so the machine's
// location is read here and handed to the module that declares the extension: no one has to type the region in.
module extension 'hybridWorkerExtensionResource.bicep' = {
  name: 'hybridWorkerExtensionResource'
  params: {
    machineName: machine.name
    location: machine.location
    automationHybridServiceUrl: automationHybridServiceUrl
    enableAutomaticUpgrade: enableAutomaticUpgrade
  }
}

@description('The resource id of the extension.')
output resourceId string = extension.outputs.resourceId
