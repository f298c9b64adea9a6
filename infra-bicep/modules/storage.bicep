// The storage account for Shroud's tables, media and delivery queue, the Functions host (AzureWebJobsStorage) and the
// deployment package.
// Shared keys are disabled: everything reaches it with Microsoft Entra identities.

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Required. Region of the account.')
param location string

@description('Optional. Tags of the account.')
param tags object = {}

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('Optional. Redundancy of the account.')
param skuName string = 'Standard_LRS'

@description('Required. Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Required. Blob container of Shroud\'s sealed media: `{Storage__TablePrefix}media`, lowercase.')
param mediaContainerName string

@description('Required. Age in days after which a media blob is deleted whatever Shroud\'s own sweep did: the maximum TTL plus a day.')
@minValue(1)
param mediaBackstopDays int

@minLength(3)
@maxLength(56)
@description('Required. Queue of the deliveries to the bots (Storage__DeliveryQueue): lowercase letters, digits and single dashes. Its poison queue, `{name}-poison`, is created beside it.')
param deliveryQueueName string

@description('Required. Principal id of the identity the app runs as; it gets table and blob data roles on the account and the queue data role on the delivery queues.')
param principalId string

// Built-in role definition ids.
var roles = {
  // Shroud's tables: read, write and create.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Shroud's media blobs, the deployment package and the Functions host's blobs (timer schedule status, leases).
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

// The delivery queues' role, on those two queues only. Contributor is the one built-in queue role that covers what the
// app does with them: the ingress sends, the queue trigger reads, hides, updates (a failed message's visibility) and
// deletes messages and sends the failed ones on to the poison queue, and either may create a queue that is missing.
// Reader, Message Processor and Message Sender together still lack updating a message and creating a queue, and
// Contributor already holds all they grant, so none of them is assigned beside it.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // Holds ciphertext only; Shroud creates it too, so either order of deployment and first start works.
    resource mediaContainer 'containers' = {
      name: mediaContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource deliveryQueue 'queues' = {
      name: deliveryQueueName
    }

    // Where the queue trigger moves a message whose invocations failed maxDequeueCount times (host.json). Created here,
    // not by the extension on first use, so the identity's role can be scoped to it.
    resource deliveryPoisonQueue 'queues' = {
      name: '${deliveryQueueName}-poison'
    }
  }

  // A backstop behind the maintenance job's sweep: no media blob outlives the maximum TTL by more than a day, even if
  // the job stopped running or a record row was lost before its blob.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'delete-media-past-maximum-ttl'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: [
                  'blockBlob'
                ]
                prefixMatch: [
                  '${mediaContainerName}/'
                ]
              }
              actions: {
                baseBlob: {
                  delete: {
                    daysAfterModificationGreaterThan: mediaBackstopDays
                  }
                }
              }
            }
          }
        ]
      }
    }
  }
}

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): {
    name: guid(account.id, principalId, role.value)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource deliveryQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::deliveryQueue.id, principalId, storageQueueDataContributor)
  scope: account::queueService::deliveryQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource deliveryPoisonQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::queueService::deliveryPoisonQueue.id, principalId, storageQueueDataContributor)
  scope: account::queueService::deliveryPoisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Table service endpoint (Storage__TableEndpoint).')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('Blob service endpoint (Storage__BlobEndpoint).')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint (Storage__QueueEndpoint and the queue trigger\'s DeliveryQueueConnection__queueServiceUri).')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Name of the delivery queue.')
output deliveryQueueName string = account::queueService::deliveryQueue.name

@description('Name of the media container.')
output mediaContainerName string = mediaContainerName

@description('URL of the deployment container.')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
