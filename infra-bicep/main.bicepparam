// Parameters for `azd up` and `az deployment group create`. Secrets are read from the environment of the command
// (azd: `azd env set`), never written here; when they are not set, the stored Key Vault secrets are left as they are.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'shroud')

param rootKeyIds = [
  'k1'
]

param activeRootKeyId = 'k1'

param activeRootKey = readEnvironmentVariable('SHROUD_ROOT_KEY', '')

param bootstrapAdminKey = readEnvironmentVariable('SHROUD_BOOTSTRAP_ADMIN_KEY', '')

param maintenanceSchedule = '0 0 0 * * *'

param sweepSchedule = '0 */5 * * * *'
