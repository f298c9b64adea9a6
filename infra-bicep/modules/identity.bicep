// The user-assigned identity the function app runs as: storage, deployment package and Key Vault references.

@description('Required. Name of the identity.')
param name string

@description('Required. Region of the identity.')
param location string

@description('Optional. Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Client id of the identity, for app settings that name it.')
output clientId string = identity.properties.clientId

@description('Principal id of the identity, for role assignments.')
output principalId string = identity.properties.principalId
