using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>
/// infra-bicep compiled, linted and expanded once per test run: <c>bicep build</c> of main.bicep, <c>bicep build-params</c>
/// of main.bicepparam, <c>bicep lint</c> of every template, and <c>bicep snapshot</c>, which evaluates the compiled
/// template with the parameter file's values into the resources ARM would deploy.
/// </summary>
public sealed class CompiledInfrastructure : IAsyncLifetime
{
    public const string SubscriptionId = "00000000-0000-0000-0000-00000000000a";
    public const string TenantId = "00000000-0000-0000-0000-00000000000b";
    public const string ResourceGroup = "rg-shroud-test";

    private static readonly string Folder = RepositoryFiles.Path("infra-bicep");

    /// <summary>The secrets the deploying command's environment hands to main.bicepparam, random per run.</summary>
    public string RootKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string BootstrapAdminKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The commands as they ran; Bicep prints its diagnostics, the linter's included, to stderr.</summary>
    public BicepRun Build { get; private set; } = null!;

    public BicepRun BuildParams { get; private set; } = null!;

    public BicepRun Lint { get; private set; } = null!;

    public BicepRun Snapshot { get; private set; } = null!;

    /// <summary>The ARM template <c>bicep build</c> makes of main.bicep.</summary>
    public JsonObject Template { get; private set; } = [];

    /// <summary>The parameter values <c>bicep build-params</c> makes of main.bicepparam.</summary>
    public JsonObject Parameters { get; private set; } = [];

    /// <summary>The template <c>bicep build-params</c> compiles along with the parameters.</summary>
    public JsonObject ParametersTemplate { get; private set; } = [];

    /// <summary>Every file <c>bicep lint</c> looked at, with the diagnostics it reported: one SARIF run each.</summary>
    public IReadOnlyList<JsonObject> LintRuns { get; private set; } = [];

    /// <summary>The resources ARM would deploy, expressions evaluated as far as they can be before deployment.</summary>
    public IReadOnlyList<JsonObject> Resources { get; private set; } = [];

    /// <summary>The template files, main.bicep's modules and main.bicepparam.</summary>
    public IReadOnlyList<string> TemplateFiles { get; } =
        [.. RepositoryFiles.Under("infra-bicep", "*.bicep"), .. RepositoryFiles.Under("infra-bicep", "*.bicepparam")];

    public async Task InitializeAsync()
    {
        if (BicepCli.Executable is null)
        {
            return;
        }

        var environment = new Dictionary<string, string>
        {
            ["AZURE_ENV_NAME"] = "shroud-test",
            ["SHROUD_ROOT_KEY"] = RootKey,
            ["SHROUD_BOOTSTRAP_ADMIN_KEY"] = BootstrapAdminKey,
        };

        // The snapshot is written beside the parameter file, so it is made from a copy, never in the repository.
        var copy = Directory.CreateTempSubdirectory("shroud-bicep-").FullName;
        try
        {
            CopyFolder(Folder, copy);
            // The templates use no registry modules, so --no-restore: without it Bicep resolves aka.ms even with nothing to
            // restore. snapshot has no such switch; it too does one DNS lookup and runs as fast with no network at all.
            var build = BicepCli.RunAsync(Folder, environment, "build", "main.bicep", "--stdout", "--no-restore");
            var buildParams = BicepCli.RunAsync(Folder, environment, "build-params", "main.bicepparam", "--stdout", "--no-restore");
            var lint = BicepCli.RunAsync(Folder, environment, "lint", "--pattern", "**/*.bicep*", "--diagnostics-format", "sarif", "--no-restore");
            var snapshot = BicepCli.RunAsync(copy, environment, "snapshot", "main.bicepparam", "--mode", "overwrite",
                "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--resource-group", ResourceGroup, "--location", "westeurope");

            Build = (await build).EnsureSucceeded();
            BuildParams = (await buildParams).EnsureSucceeded();
            Lint = (await lint).EnsureSucceeded();
            Snapshot = (await snapshot).EnsureSucceeded();

            Template = JsonNode.Parse(Build.Output)!.AsObject();
            var parameters = JsonNode.Parse(BuildParams.Output)!.AsObject();
            Parameters = JsonNode.Parse(parameters["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
            ParametersTemplate = JsonNode.Parse(parameters["templateJson"]!.GetValue<string>())!.AsObject();
            LintRuns = SarifRuns(Lint.Output);
            Resources = [.. JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(copy, "main.snapshot.json")))!["predictedResources"]!
                .AsArray().Select(r => r!.AsObject())];
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The one predicted resource of <paramref name="type"/>.</summary>
    public JsonObject Single(string type) => Resources.Single(r => r["type"]!.GetValue<string>() == type);

    public IEnumerable<JsonObject> All(string type) => Resources.Where(r => r["type"]!.GetValue<string>() == type);

    /// <summary>The function app's app settings, as ARM would send them.</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Resources.Single(r => r["name"]!.GetValue<string>().EndsWith("/appsettings", StringComparison.Ordinal))["properties"]!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

    /// <summary>The compiled template and every module template nested in it.</summary>
    public static IEnumerable<JsonObject> TemplatesIn(JsonObject template)
    {
        yield return template;
        foreach (var module in template["resources"]!.AsArray().Select(r => r!.AsObject())
                     .Where(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments"))
        {
            foreach (var nested in TemplatesIn(module["properties"]!["template"]!.AsObject()))
            {
                yield return nested;
            }
        }
    }

    // `bicep lint --pattern` prints one SARIF document per file, one after the other.
    private static List<JsonObject> SarifRuns(string output)
    {
        var runs = new List<JsonObject>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            var document = JsonNode.Parse(ref reader)!;
            runs.AddRange(document["runs"]!.AsArray().Select(r => r!.AsObject()));
        }

        return runs;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
