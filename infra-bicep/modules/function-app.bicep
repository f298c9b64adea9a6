// The function app on a Linux Flex Consumption plan, .NET 10 isolated worker, running as a user-assigned identity.

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Required. Name of the function app.')
param name string

@description('Required. Region of the plan and the app.')
param location string

@description('Optional. Tags of the plan and the app.')
param tags object = {}

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Required. Client id of that identity.')
param identityClientId string

@description('Required. Name of the storage account the Functions host uses (AzureWebJobsStorage).')
param storageAccountName string

@description('Required. URL of the blob container the plan deploys the app package from.')
param deploymentContainerUrl string

@description('Required. Name of the Application Insights component the app reports to.')
param applicationInsightsName string

@description('Optional. Largest number of instances.')
param maximumInstanceCount int = 100

@description('Optional. Memory of each instance in MB.')
param instanceMemoryMB int = 2048

@description('Required. The application\'s own settings, Section__Key.')
param appSettings object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
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

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, {
      // The Functions host's own storage, reached with the identity (no connection string, no shared key).
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    })
  }
}

@description('Name of the function app.')
output name string = site.name

@description('HTTPS URL of the function app.')
output url string = 'https://${site.properties.defaultHostName}'
