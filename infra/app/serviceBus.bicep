metadata name = 'Service Bus'
metadata description = 'Namespace with the change queue (AD change events) and the control queue (the engine\'s scheduled wake-ups). Local (SAS) auth is off.'

@description('Required. Name of the Service Bus namespace.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for the namespace.')
param tags object = {}

@description('Optional. Namespace tier. Standard is the smallest tier with scheduled messages on every queue and dead-lettering, and what the engine is tested against.')
@allowed(['Standard', 'Premium'])
param skuName string = 'Standard'

@description('Required. Queue of AD change events (CHANGE_QUEUE_NAME).')
param changeQueueName string

@description('Required. Queue of scheduled wake-ups (CONTROL_QUEUE_NAME).')
param controlQueueName string

@description('Required. Quarantine queue for permanently invalid change messages (INVALID_CHANGE_QUEUE_NAME): the app sends each there with its reason and dead-letters it at once, so its dead-letter queue is where invalid messages are read.')
param invalidChangeQueueName string

@description('Optional. Deliveries of a change message before it is dead-lettered. The trigger throws only on transient failures, so a handful of tries covers an outage of a dependency without hiding a poison message for long.')
@minValue(1)
@maxValue(2000)
param changeQueueMaxDeliveryCount int = 10

@description('Optional. Peek-lock duration of the change queue (ISO 8601). The host renews the lock (host.json maxAutoLockRenewalDuration) while a batch is processed.')
param changeQueueLockDuration string = 'PT1M'

@description('Optional. Time-to-live of a change message (ISO 8601); expired messages are dead-lettered, never dropped.')
param changeQueueMessageTimeToLive string = 'P14D'

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource changeQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: changeQueueName
  properties: {
    requiresSession: false
    requiresDuplicateDetection: false
    maxDeliveryCount: changeQueueMaxDeliveryCount
    lockDuration: changeQueueLockDuration
    defaultMessageTimeToLive: changeQueueMessageTimeToLive
    deadLetteringOnMessageExpiration: true
    enableBatchedOperations: true
  }
}

// Wake-ups carry a token and stale ones are ignored, so a redelivered or late one is harmless; a lost one is
// repaired by the reconcile timer. Dead-lettering keeps the evidence when a wake-up keeps failing.
resource controlQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: controlQueueName
  properties: {
    requiresSession: false
    requiresDuplicateDetection: false
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P1D'
    deadLetteringOnMessageExpiration: true
    enableBatchedOperations: true
  }
}

// Only the app reads this queue, and only to dead-letter what it finds there with the reason each carries.
resource invalidChangeQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: invalidChangeQueueName
  properties: {
    requiresSession: false
    requiresDuplicateDetection: false
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    enableBatchedOperations: true
  }
}

var endpointHost = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

@description('The resource id of the namespace.')
output resourceId string = namespace.id

@description('The name of the namespace.')
output name string = namespace.name

@description('The namespace host name, <name>.servicebus.windows.net (ServiceBusConnection__fullyQualifiedNamespace).')
output fullyQualifiedNamespace string = replace(endpointHost, '/', '')

@description('The name of the change queue.')
output changeQueueName string = changeQueue.name

@description('The name of the quarantine queue for invalid change messages.')
output invalidChangeQueueName string = invalidChangeQueue.name

@description('The name of the control queue.')
output controlQueueName string = controlQueue.name
