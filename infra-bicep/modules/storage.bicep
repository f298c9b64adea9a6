// The storage account for Shroud's tables, the Functions host (AzureWebJobsStorage) and the deployment package.
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

@description('Required. Principal id of the identity the app runs as; it gets table and blob data roles on the account.')
param principalId string

// Built-in role definition ids.
var roles = {
  // Shroud's tables: read, write and create.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Shroud's media blobs, the deployment package and the Functions host's blobs (timer schedule status, leases).
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

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

@description('Name of the storage account.')
output name string = account.name

@description('Table service endpoint (Storage__TableEndpoint).')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('Blob service endpoint (Storage__BlobEndpoint).')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('URL of the deployment container.')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
