// Shroud on Azure: a Functions app on the Flex Consumption plan (Linux, .NET 10 isolated worker) with its tables, media
// and delivery queue in a storage account reached by a user-assigned managed identity, its root key and bootstrap admin key in Key Vault, and
// its telemetry in Application Insights. Deploy with `azd up` or `az deployment group create` (see README.md).
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Required. Name of the environment (azd: AZURE_ENV_NAME). Seeds the generated resource names and tags every resource.')
param environmentName string

@description('Optional. Region of every resource; it must offer the Flex Consumption plan. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('Optional. Name of the function app; generated from the environment name when empty.')
param functionAppName string = ''

@description('Optional. Name of the storage account (3-24 lowercase letters and digits); generated when empty.')
param storageAccountName string = ''

@description('Optional. Name of the Key Vault (3-24 letters, digits and dashes); generated when empty. Purge protection keeps a deleted vault\'s name taken for the retention period.')
param keyVaultName string = ''

@minValue(40)
@maxValue(1000)
@description('Optional. Largest number of instances the Flex Consumption plan scales out to.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Optional. Memory of each instance in MB.')
param instanceMemoryMB int = 2048

@description('Optional. Prefix of Shroud\'s table names (Storage__TablePrefix): letters and digits, starting with a letter.')
param tablePrefix string = 'shroud'

@description('Optional. Time-to-live when a request names none (Shroud__DefaultTtl, d.hh:mm:ss).')
param defaultTtl string = '1.00:00:00'

@description('Optional. Longest time-to-live a request may ask for (Shroud__MaxTtl, d.hh:mm:ss, at most 3650 days).')
param maxTtl string = '7.00:00:00'

@minValue(1)
@maxValue(64512)
@description('Optional. Largest value in UTF-8 bytes (Shroud__MaxValueBytes).')
param maxValueBytes int = 61440

@minValue(1)
@description('Optional. Largest media upload in bytes (Shroud__MaxMediaBytes). The Functions host\'s own body limit is set 1 MiB above it.')
param maxMediaBytes int = 104857600

@description('Optional. How long a conversation\'s started encryption lasts before its state is swept (Shroud__ConversationTtl, d.hh:mm:ss, at most 3650 days).')
param conversationTtl string = '30.00:00:00'

@description('Optional. How long an instance trusts its cached app KEKs and API keys (Shroud__CacheRefresh, hh:mm:ss).')
param cacheRefresh string = '00:01:00'

@description('Optional. How long an app KEK version seals new values (Shroud__KekActivePeriod, d.hh:mm:ss).')
param kekActivePeriod string = '1.00:00:00'

@description('Optional. How long audit records are kept, independent of data TTLs (Shroud__AuditRetention, d.hh:mm:ss).')
param auditRetention string = '90.00:00:00'

@description('Optional. NCRONTAB schedule of the maintenance job\'s KEK rotation, destruction and re-wrap, with seconds, in UTC (Maintenance__Schedule).')
param maintenanceSchedule string = '0 0 0 * * *'

@description('Optional. NCRONTAB schedule of the sweep that deletes expired records and media, with seconds, in UTC (Maintenance__SweepSchedule).')
param sweepSchedule string = '0 */5 * * * *'

@description('Optional. Comma-separated CIDR ranges, addresses and host names a channel may forward to or call besides public https hosts, over http too (Channels__AllowForwardTo). Empty: public https only.')
param channelsAllowForwardTo string = ''

@minLength(3)
@maxLength(56)
@description('Optional. Queue of the deliveries to the bots (Storage__DeliveryQueue): 3-56 lowercase letters, digits and single dashes, starting and ending with a letter or digit; `{name}-poison` is its poison queue.')
param deliveryQueueName string = 'shroud-deliveries'

@minValue(1)
@description('Optional. Attempts to deliver a sealed payload to the bot before the delivery is kept as failed (Channels__DeliveryMaxAttempts).')
param deliveryMaxAttempts int = 8

@description('Optional. Wait before the second delivery attempt, doubled for each later one (Channels__DeliveryRetryDelay, hh:mm:ss).')
param deliveryRetryDelay string = '00:00:05'

@minLength(1)
@description('Optional. Ids of every root key the app reads (RootKeys__Keys__<id>), each from the Key Vault secret root-key-<id>. Letters, digits and dashes. While rotating, list the old and the new id.')
param rootKeyIds array = [
  'k1'
]

@description('Optional. Id of the root key that wraps new app KEKs (RootKeys__ActiveKeyId); one of rootKeyIds.')
param activeRootKeyId string = last(rootKeyIds)

@secure()
@description('Optional. Base64 of 32 random bytes (openssl rand -base64 32), stored in Key Vault as root key activeRootKeyId. Give it once, when that id is new: the app KEKs a root key wrapped open only with the value it had, so an existing id\'s value must never change. Empty leaves the stored secret as it is.')
param activeRootKey string = ''

@secure()
@description('Optional. The bootstrap admin key (Shroud__BootstrapAdminKey, at least 16 characters), stored in Key Vault. Required on the first deployment; empty afterwards leaves the stored secret as it is.')
param bootstrapAdminKey string = ''

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
}
var vaultName = empty(keyVaultName) ? 'kv-${resourceToken}' : keyVaultName
var bootstrapAdminKeyItem = 'bootstrap-admin-key'
var rootKeyItemPrefix = 'root-key-'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-shroud-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-shroud-${resourceToken}'
    applicationInsightsName: 'appi-shroud-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: empty(storageAccountName) ? 'stshroud${take(resourceToken, 13)}' : storageAccountName
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${take(resourceToken, 7)}'
    mediaContainerName: '${toLower(tablePrefix)}media'
    // maxTtl is d.hh:mm:ss: whole days, one more when hours remain, plus the day of margin.
    mediaBackstopDays: int(split(maxTtl, '.')[0]) + (endsWith(maxTtl, '.00:00:00') ? 1 : 2)
    deliveryQueueName: deliveryQueueName
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    name: vaultName
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    bootstrapAdminKeyItem: bootstrapAdminKeyItem
    bootstrapAdminKey: bootstrapAdminKey
    rootKeyItem: '${rootKeyItemPrefix}${activeRootKeyId}'
    rootKey: activeRootKey
  }
}

// Shroud's settings, Section__Key as in local.settings.sample.json. Secrets are Key Vault references, read with the
// user-assigned identity; they name the vault and the secret, which reads the same in every Azure cloud and, with no
// version, follows the secret's current value. Storage__ConnectionString is deliberately absent: the account allows no shared keys, and
// Shroud reaches its tables, media blobs and delivery queue at Storage__TableEndpoint, Storage__BlobEndpoint and
// Storage__QueueEndpoint with the identity named by Storage__ManagedIdentityClientId. The queue trigger reads its queue
// through the connection DeliveryQueueConnection (src/Shroud.Functions/DeliveryFunctions.cs), identity-based here: the
// same endpoint and identity as settings the Functions queue extension reads (queueServiceUri, credential, clientId).
var shroudSettings = union(
  {
    Storage__TableEndpoint: storage.outputs.tableEndpoint
    Storage__BlobEndpoint: storage.outputs.blobEndpoint
    Storage__QueueEndpoint: storage.outputs.queueEndpoint
    Storage__ManagedIdentityClientId: identity.outputs.clientId
    Storage__TablePrefix: tablePrefix
    Storage__DeliveryQueue: storage.outputs.deliveryQueueName
    DeliveryQueueConnection__queueServiceUri: storage.outputs.queueEndpoint
    DeliveryQueueConnection__credential: 'managedidentity'
    DeliveryQueueConnection__clientId: identity.outputs.clientId
    Shroud__BootstrapAdminKey: '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${bootstrapAdminKeyItem})'
    Shroud__DefaultTtl: defaultTtl
    Shroud__MaxTtl: maxTtl
    Shroud__MaxValueBytes: string(maxValueBytes)
    Shroud__MaxMediaBytes: string(maxMediaBytes)
    Shroud__ConversationTtl: conversationTtl
    Shroud__CacheRefresh: cacheRefresh
    Shroud__KekActivePeriod: kekActivePeriod
    Shroud__AuditRetention: auditRetention
    RootKeys__ActiveKeyId: activeRootKeyId
    Maintenance__Schedule: maintenanceSchedule
    Maintenance__SweepSchedule: sweepSchedule
    Channels__AllowForwardTo: channelsAllowForwardTo
    Channels__DeliveryMaxAttempts: string(deliveryMaxAttempts)
    Channels__DeliveryRetryDelay: deliveryRetryDelay
    // The Functions host's own request body limit (default 100 MB) answers 500 when exceeded; kept above Shroud's so an
    // oversized upload reaches Shroud and gets its 413 problem.
    FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: string(maxMediaBytes + 1048576)
  },
  toObject(rootKeyIds, id => 'RootKeys__Keys__${id}', id => '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${rootKeyItemPrefix}${id})')
)

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    planName: 'plan-shroud-${resourceToken}'
    name: empty(functionAppName) ? 'func-shroud-${resourceToken}' : functionAppName
    location: location
    tags: union(tags, {
      'azd-service-name': 'api'
    })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: shroudSettings
  }
  // The app reads its Key Vault references and its storage as soon as it starts, so its roles come first.
  dependsOn: [
    keyVault
  ]
}

@description('Name of the function app.')
output functionAppName string = functionApp.outputs.name

@description('Base URL of the deployed API (routes under /api).')
output functionAppUrl string = '${functionApp.outputs.url}/api'

@description('Principal id of the user-assigned identity the app runs as.')
output principalId string = identity.outputs.principalId

@description('Name of the Key Vault that holds the root keys and the bootstrap admin key.')
output keyVaultName string = keyVault.outputs.name
