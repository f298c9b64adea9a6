using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shroud.Core;
using Shroud.Host;
using Shroud.IntegrationTests.Functions;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>
/// The security and settings contract of the Azure deployment, asserted on what Bicep compiles, not on the Bicep text:
/// the resources and app settings ARM would deploy from main.bicepparam.
/// </summary>
public sealed partial class CompiledInfrastructureTests(CompiledInfrastructure infrastructure) : IClassFixture<CompiledInfrastructure>
{
    /// <summary>Settings the code binds that the Azure deployment deliberately leaves unset, and why.</summary>
    private static readonly Dictionary<string, string> NotSetInAzure = new()
    {
        // The account disables shared keys; Azure reaches the tables at Storage__TableEndpoint with the managed
        // identity, and a connection string would take precedence over it.
        ["Storage__ConnectionString"] = "identity instead of shared keys",
    };

    private static class Roles
    {
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
        public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    }

    private JsonObject StorageAccount => infrastructure.Single("Microsoft.Storage/storageAccounts");

    private JsonObject Vault => infrastructure.Single("Microsoft.KeyVault/vaults");

    private JsonObject DeliveryQueue => Queue(AppSettings["Storage__DeliveryQueue"]);

    private JsonObject DeliveryPoisonQueue => Queue(AppSettings["Storage__DeliveryQueue"] + "-poison");

    private JsonObject Identity => infrastructure.Single("Microsoft.ManagedIdentity/userAssignedIdentities");

    private IReadOnlyDictionary<string, string> AppSettings => infrastructure.AppSettings;

    [Fact]
    public void On_linux_x64_the_bicep_cli_comes_with_the_tests_so_no_bicep_test_is_skipped()
    {
        var packageServesThisMachine = OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

        Assert.True(!packageServesThisMachine || BicepCli.Executable is not null, "The restored Azure.Bicep.CommandLine.linux-x64 package was not found.");
    }

    [BicepFact]
    public void Every_template_lints_without_errors_or_warnings()
    {
        var diagnostics = infrastructure.LintRuns
            .SelectMany(run => run["results"]!.AsArray())
            .Select(result => (Location: result!["locations"]?[0]?["physicalLocation"], Result: result))
            .Select(d => $"{Path.GetFileName(d.Location?["artifactLocation"]?["uri"]?.GetValue<string>())}({d.Location?["region"]?["startLine"]}): "
                + $"{d.Result["level"] ?? "warning"} {d.Result["ruleId"]}: {d.Result["message"]!["text"]}")
            .Distinct()
            .ToList();

        Assert.True(diagnostics.Count == 0, string.Join('\n', diagnostics));
        Assert.Equal("", infrastructure.Lint.Error.Trim());
        // One SARIF run per file linted: every module and the parameter file, not only main.bicep.
        Assert.Equal(infrastructure.TemplateFiles.Count, infrastructure.LintRuns.Count);
    }

    [BicepFact]
    public void Main_bicep_and_its_parameter_file_build_without_diagnostics()
    {
        Assert.Equal("", infrastructure.Build.Error.Trim());
        Assert.Equal("", infrastructure.BuildParams.Error.Trim());
        Assert.Equal("", infrastructure.Snapshot.Error.Trim());
        Assert.True(JsonNode.DeepEquals(infrastructure.Template, infrastructure.ParametersTemplate), "main.bicepparam compiles a template other than main.bicep.");
    }

    [BicepFact]
    public void Every_parameter_of_every_template_says_whether_it_is_required()
    {
        var parameters = CompiledInfrastructure.TemplatesIn(infrastructure.Template)
            .SelectMany(t => t["parameters"]!.AsObject())
            .Select(p => (p.Key, HasDefault: p.Value!.AsObject().ContainsKey("defaultValue"), Description: p.Value["metadata"]?["description"]?.GetValue<string>() ?? ""))
            .ToList();

        Assert.NotEmpty(parameters);
        Assert.All(parameters, p => Assert.StartsWith(p.HasDefault ? "Optional. " : "Required. ", p.Description));
    }

    [BicepFact]
    public void The_storage_account_allows_no_shared_key_no_public_blob_and_only_https_with_tls_1_2()
    {
        var properties = StorageAccount["properties"]!;

        Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(properties["defaultToOAuthAuthentication"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>());
        var containers = infrastructure.All("Microsoft.Storage/storageAccounts/blobServices/containers").ToList();
        Assert.NotEmpty(containers);
        Assert.All(containers, c => Assert.Equal("None", c["properties"]!["publicAccess"]!.GetValue<string>()));
    }

    [BicepFact]
    public void The_key_vault_uses_rbac_with_soft_delete_and_purge_protection()
    {
        var properties = Vault["properties"]!.AsObject();

        Assert.True(properties["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(properties["enableSoftDelete"]!.GetValue<bool>());
        Assert.True(properties["enablePurgeProtection"]!.GetValue<bool>());
        Assert.False(properties.ContainsKey("accessPolicies"), "RBAC mode ignores access policies; none should be declared.");
        Assert.Equal(CompiledInfrastructure.TenantId, properties["tenantId"]!.GetValue<string>());
    }

    [BicepFact]
    public void The_function_app_is_https_only_with_tls_1_2_and_runs_as_the_user_assigned_identity()
    {
        var site = infrastructure.Single("Microsoft.Web/sites");
        var identityId = Identity["id"]!.GetValue<string>();

        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", site["properties"]!["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("UserAssigned", site["identity"]!["type"]!.GetValue<string>());
        Assert.Equal([identityId], site["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
        Assert.Equal(identityId, site["properties"]!["keyVaultReferenceIdentity"]!.GetValue<string>());
    }

    [BicepFact]
    public void The_parameter_file_takes_the_secrets_from_the_deploying_environment()
    {
        Assert.Equal(infrastructure.RootKey, infrastructure.Parameters["activeRootKey"]!["value"]!.GetValue<string>());
        Assert.Equal(infrastructure.BootstrapAdminKey, infrastructure.Parameters["bootstrapAdminKey"]!["value"]!.GetValue<string>());
    }

    [BicepFact]
    public void Secure_parameters_have_no_default_but_empty()
    {
        var secure = SecureParameters().ToList();

        Assert.NotEmpty(secure);
        Assert.All(secure, p => Assert.Equal("", p.Value!["defaultValue"]?.GetValue<string>() ?? ""));
    }

    [BicepFact]
    public void Secrets_reach_the_app_only_as_key_vault_references_to_the_secrets_the_deployment_writes()
    {
        var vault = Vault["name"]!.GetValue<string>();
        var secrets = infrastructure.All("Microsoft.KeyVault/vaults/secrets").Select(s => s["name"]!.GetValue<string>()).ToList();
        var references = AppSettings.Where(s => s.Key == "Shroud__BootstrapAdminKey" || s.Key.StartsWith("RootKeys__Keys__", StringComparison.Ordinal)).ToList();

        Assert.Equal(["bootstrap-admin-key", "root-key-k1"], secrets.Select(s => s[(vault.Length + 1)..]).Order(StringComparer.Ordinal));
        Assert.Equal(2, references.Count);
        Assert.All(references, setting =>
        {
            var reference = KeyVaultReference().Match(setting.Value);
            Assert.True(reference.Success, $"{setting.Key} is not a Key Vault reference.");
            Assert.Equal(vault, reference.Groups["vault"].Value);
            Assert.Contains($"{vault}/{reference.Groups["secret"].Value}", secrets);
        });
    }

    [BicepFact]
    public void Secret_values_go_to_key_vault_secrets_and_nowhere_else()
    {
        var names = SecureParameters().Select(p => p.Key).ToHashSet();
        var carriers = infrastructure.Resources
            .Where(r => Strings(r).Any(s => names.Any(n => s.Contains($"parameters('{n}')", StringComparison.Ordinal))))
            .Select(r => r["type"]!.GetValue<string>());
        var deployed = infrastructure.Resources.SelectMany(Strings).ToList();

        Assert.All(carriers, type => Assert.Equal("Microsoft.KeyVault/vaults/secrets", type));
        Assert.DoesNotContain(deployed, s => s.Contains(infrastructure.RootKey, StringComparison.Ordinal));
        Assert.DoesNotContain(deployed, s => s.Contains(infrastructure.BootstrapAdminKey, StringComparison.Ordinal));
    }

    [BicepFact]
    public void Every_bound_setting_is_an_app_setting_unless_it_does_not_apply_in_azure()
    {
        var missing = BoundSettings.All
            .Where(s => !NotSetInAzure.ContainsKey(s.Name))
            .Where(s => !AppSettings.Keys.Any(s.IsMatchedBy))
            .Select(s => s.ToString());

        Assert.Empty(missing);
    }

    [BicepFact]
    public void The_settings_that_do_not_apply_in_azure_are_not_set_there()
    {
        Assert.All(NotSetInAzure.Keys, name => Assert.DoesNotContain(name, AppSettings.Keys));
    }

    [BicepFact]
    public void The_app_settings_carry_the_code_defaults()
    {
        var defaults = new ShroudOptions();

        Assert.Equal(defaults.MaxMediaBytes, long.Parse(AppSettings["Shroud__MaxMediaBytes"], CultureInfo.InvariantCulture));
        Assert.Equal(defaults.MaxValueBytes, int.Parse(AppSettings["Shroud__MaxValueBytes"], CultureInfo.InvariantCulture));
        Assert.Equal(defaults.MaxTtl, TimeSpan.Parse(AppSettings["Shroud__MaxTtl"], CultureInfo.InvariantCulture));
        Assert.Equal(defaults.DefaultTtl, TimeSpan.Parse(AppSettings["Shroud__DefaultTtl"], CultureInfo.InvariantCulture));
        Assert.Equal(defaults.CacheRefresh, TimeSpan.Parse(AppSettings["Shroud__CacheRefresh"], CultureInfo.InvariantCulture));
        Assert.Equal(defaults.KekActivePeriod, TimeSpan.Parse(AppSettings["Shroud__KekActivePeriod"], CultureInfo.InvariantCulture));
    }

    [BicepFact]
    public void The_functions_host_body_limit_is_above_shrouds_media_limit()
    {
        var hostLimit = long.Parse(AppSettings["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"], CultureInfo.InvariantCulture);
        var mediaLimit = long.Parse(AppSettings["Shroud__MaxMediaBytes"], CultureInfo.InvariantCulture);

        // Room for the multipart framing around the largest file, so the file's own size decides the 413.
        Assert.True(hostLimit >= mediaLimit + 1024 * 1024, $"FUNCTIONS_REQUEST_BODY_SIZE_LIMIT {hostLimit} leaves no room above Shroud__MaxMediaBytes {mediaLimit}.");
    }

    [BicepFact]
    public void The_functions_host_reaches_its_storage_with_the_user_assigned_identity()
    {
        Assert.DoesNotContain("AzureWebJobsStorage", AppSettings.Keys);
        Assert.Equal(StorageAccount["name"]!.GetValue<string>(), AppSettings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", AppSettings["AzureWebJobsStorage__credential"]);
        Assert.Equal(IdentityClientId, AppSettings["AzureWebJobsStorage__clientId"]);
        Assert.Equal(IdentityClientId, AppSettings["Storage__ManagedIdentityClientId"]);
        Assert.DoesNotContain(AppSettings.Values, v => v.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase)
            || v.Contains("SharedAccessSignature", StringComparison.OrdinalIgnoreCase));
    }

    [BicepFact]
    public void Role_assignments_are_named_from_scope_principal_and_role()
    {
        var assignments = infrastructure.All("Microsoft.Authorization/roleAssignments").ToList();
        var principal = $"reference('{Identity["id"]}', '{Identity["apiVersion"]}').principalId";

        var granted = assignments.Select(a =>
        {
            var name = DeterministicName().Match(a["name"]!.GetValue<string>());
            var role = a["properties"]!["roleDefinitionId"]!.GetValue<string>().Split('/')[^1];
            Assert.True(name.Success, $"Role assignment name {a["name"]} is not guid(scope, principal, role).");
            Assert.Equal(principal, name.Groups["principal"].Value);
            Assert.Equal($"[{principal}]", a["properties"]!["principalId"]!.GetValue<string>());
            Assert.Equal(role, name.Groups["role"].Value);
            Assert.Equal("ServicePrincipal", a["properties"]!["principalType"]!.GetValue<string>());
            return (Scope: name.Groups["scope"].Value, Role: role);
        }).ToHashSet();

        Assert.Equal(
            new HashSet<(string, string)>
            {
                (StorageAccount["id"]!.GetValue<string>(), Roles.StorageTableDataContributor),
                (StorageAccount["id"]!.GetValue<string>(), Roles.StorageBlobDataOwner),
                (Vault["id"]!.GetValue<string>(), Roles.KeyVaultSecretsUser),
                (DeliveryQueue["id"]!.GetValue<string>(), Roles.StorageQueueDataContributor),
                (DeliveryPoisonQueue["id"]!.GetValue<string>(), Roles.StorageQueueDataContributor),
            },
            granted);
        Assert.Equal(assignments.Count, granted.Count);
    }

    [BicepFact]
    public void The_delivery_queue_and_its_poison_queue_are_the_only_queues_and_the_identitys_queue_role_covers_them_and_nothing_else()
    {
        var queues = infrastructure.All("Microsoft.Storage/storageAccounts/queueServices/queues").Select(q => q["name"]!.GetValue<string>());
        var queueRoleScopes = infrastructure.All("Microsoft.Authorization/roleAssignments")
            .Where(a => a["properties"]!["roleDefinitionId"]!.GetValue<string>().EndsWith(Roles.StorageQueueDataContributor, StringComparison.Ordinal))
            .Select(a => DeterministicName().Match(a["name"]!.GetValue<string>()).Groups["scope"].Value);

        Assert.Equal([DeliveryQueue["name"]!.GetValue<string>(), DeliveryPoisonQueue["name"]!.GetValue<string>()], queues.Order(StringComparer.Ordinal));
        Assert.Equal([DeliveryQueue["id"]!.GetValue<string>(), DeliveryPoisonQueue["id"]!.GetValue<string>()], queueRoleScopes.Order(StringComparer.Ordinal));
    }

    [BicepFact]
    public void The_app_reaches_the_delivery_queue_and_the_queue_trigger_reads_it_with_the_user_assigned_identity()
    {
        var queueEndpoint = $"[reference('{StorageAccount["id"]}', '{StorageAccount["apiVersion"]}').primaryEndpoints.queue]";
        const string connection = FunctionsWorker.DeliveryQueueConnection;

        Assert.Equal(queueEndpoint, AppSettings["Storage__QueueEndpoint"]);
        Assert.Equal(queueEndpoint, AppSettings[$"{connection}__queueServiceUri"]);
        Assert.Equal("managedidentity", AppSettings[$"{connection}__credential"]);
        Assert.Equal(IdentityClientId, AppSettings[$"{connection}__clientId"]);
        // A plain setting of that name would be read as a connection string, and AzureWebJobs{name} would win over both.
        Assert.DoesNotContain(connection, AppSettings.Keys);
        Assert.DoesNotContain($"AzureWebJobs{connection}", AppSettings.Keys);
        Assert.DoesNotContain(AppSettings.Keys, k => k.StartsWith($"{connection}__accountName", StringComparison.OrdinalIgnoreCase));
    }

    [BicepFact]
    public void The_delivery_settings_have_the_local_sample_defaults()
    {
        var sample = LocalSettingsFile.ReadValues(RepositoryFiles.Path(LocalSettingsFile.SampleFileName));

        Assert.All(["Storage:DeliveryQueue", "Channels:DeliveryMaxAttempts", "Channels:DeliveryRetryDelay"], key =>
            Assert.Equal(sample[key], AppSettings[key.Replace(":", "__", StringComparison.Ordinal)]));
        Assert.Equal(8, int.Parse(AppSettings["Channels__DeliveryMaxAttempts"], CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.FromSeconds(5), TimeSpan.Parse(AppSettings["Channels__DeliveryRetryDelay"], CultureInfo.InvariantCulture));
    }

    [BicepFact]
    public void Media_has_its_container_and_a_lifecycle_backstop_of_the_maximum_ttl_plus_a_day()
    {
        // The container the service uses: the lower-cased table prefix + "media".
        var container = $"{AppSettings["Storage__TablePrefix"].ToLowerInvariant()}media";
        var maxTtl = TimeSpan.Parse(AppSettings["Shroud__MaxTtl"], CultureInfo.InvariantCulture);
        var rule = infrastructure.Single("Microsoft.Storage/storageAccounts/managementPolicies")["properties"]!["policy"]!["rules"]!.AsArray().Single()!;

        Assert.Contains(infrastructure.All("Microsoft.Storage/storageAccounts/blobServices/containers"),
            c => c["name"]!.GetValue<string>() == $"{StorageAccount["name"]}/default/{container}");
        Assert.Equal([$"{container}/"], rule["definition"]!["filters"]!["prefixMatch"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal((int)Math.Ceiling(maxTtl.TotalDays) + 1,
            rule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<int>());
    }

    private JsonObject Queue(string name) =>
        Assert.Single(infrastructure.All("Microsoft.Storage/storageAccounts/queueServices/queues"), q => q["name"]!.GetValue<string>() == $"{StorageAccount["name"]}/default/{name}");

    private string IdentityClientId => $"[reference('{Identity["id"]}', '{Identity["apiVersion"]}').clientId]";

    private IEnumerable<KeyValuePair<string, JsonNode?>> SecureParameters() =>
        CompiledInfrastructure.TemplatesIn(infrastructure.Template)
            .SelectMany(t => t["parameters"]!.AsObject())
            .Where(p => p.Value!["type"]!.GetValue<string>().StartsWith("secure", StringComparison.OrdinalIgnoreCase));

    // Property names and string values, read from the nodes: serialized JSON escapes quotes and '+'.
    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var text) => [text],
        _ => [],
    };

    [GeneratedRegex(@"^@Microsoft\.KeyVault\(VaultName=(?<vault>[\w-]+);SecretName=(?<secret>[\w-]+)\)$")]
    private static partial Regex KeyVaultReference();

    [GeneratedRegex(@"^\[guid\('(?<scope>[^']+)', (?<principal>.+), '(?<role>[0-9a-f-]{36})'\)\]$")]
    private static partial Regex DeterministicName();
}
