// Key Vault in RBAC mode with soft delete and purge protection, holding Shroud's root key and bootstrap admin key.
// A secret is written only when its value is given, so a deployment never needs a secret it does not change.

@description('Required. Name of the vault.')
param name string

@description('Required. Region of the vault.')
param location string

@description('Optional. Tags of the vault.')
param tags object = {}

@description('Required. Principal id of the identity the app runs as; it may read secrets (Key Vault Secrets User).')
param principalId string

@description('Required. Name of the Key Vault secret holding the bootstrap admin key.')
param bootstrapAdminKeyItem string

@secure()
@description('Optional. Value of the bootstrap admin key; empty leaves the stored secret as it is.')
param bootstrapAdminKey string = ''

@description('Required. Name of the Key Vault secret holding the active root key.')
param rootKeyItem string

@secure()
@description('Optional. Value of the active root key (base64 of 32 bytes); empty leaves the stored secret as it is.')
param rootKey string = ''

@minValue(7)
@maxValue(90)
@description('Optional. Days a deleted secret or vault can be recovered.')
param softDeleteRetentionInDays int = 90

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource bootstrapAdminKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(bootstrapAdminKey)) {
  parent: vault
  name: bootstrapAdminKeyItem
  properties: {
    value: bootstrapAdminKey
  }
}

resource rootKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(rootKey)) {
  parent: vault
  name: rootKeyItem
  properties: {
    value: rootKey
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the vault.')
output name string = vault.name
