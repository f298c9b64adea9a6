using System.Text.Json;
using System.Text.RegularExpressions;
using Shroud.Host;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>No secret value is committed with the deployment: secrets reach Key Vault from the deploying environment only.</summary>
public sealed partial class NoSecretsInInfrastructureTests
{
    private static readonly IReadOnlyList<string> DeploymentFiles =
    [
        .. RepositoryFiles.Under("infra-bicep", "*"),
        RepositoryFiles.Path("azure.yaml"),
        .. RepositoryFiles.Under(".github", "*"),
    ];

    [Fact]
    public void No_file_holds_a_32_byte_base64_key()
    {
        var keys = DeploymentFiles
            .SelectMany(file => Base64Run().Matches(File.ReadAllText(file)).Select(m => (file, m.Value)))
            .Where(hit => DecodesTo32Bytes(hit.Value))
            .Select(hit => hit.file);

        Assert.Empty(keys);
    }

    [Theory]
    [InlineData("AccountKey=")]
    [InlineData("SharedAccessSignature")]
    [InlineData("sig=")]
    [InlineData("DefaultEndpointsProtocol")]
    [InlineData("InstrumentationKey=")]
    public void No_file_holds_a_credential_string(string marker)
    {
        Assert.DoesNotContain(DeploymentFiles, file => File.ReadAllText(file).Contains(marker, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void No_file_holds_a_local_bootstrap_key_or_root_key()
    {
        var local = LocalSettingsFile.ReadValues(RepositoryFiles.Path(LocalSettingsFile.SampleFileName));
        using var development = JsonDocument.Parse(RepositoryFiles.Read("src/Shroud.Host/appsettings.Development.json"));
        var secrets = new[]
        {
            local["Shroud:BootstrapAdminKey"]!,
            development.RootElement.GetProperty("Shroud").GetProperty("BootstrapAdminKey").GetString()!,
        }.Concat(local.Where(v => v.Key.StartsWith("RootKeys:Keys:", StringComparison.OrdinalIgnoreCase)).Select(v => v.Value!));

        Assert.All(secrets, secret => Assert.DoesNotContain(DeploymentFiles, file => File.ReadAllText(file).Contains(secret, StringComparison.Ordinal)));
    }

    private static bool DecodesTo32Bytes(string text)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(text, buffer, out var length) && length == 32;
    }

    [GeneratedRegex("[A-Za-z0-9+/]{43}=")]
    private static partial Regex Base64Run();
}
