using Shroud.Api;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>
/// The compiled Functions app outside Development (the driver sets no environment, as Azure does not) refuses to start
/// with the keys the repository publishes, naming the setting, as the local host does.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsPublishedKeysTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("Shroud__BootstrapAdminKey", PublishedDevelopmentKeys.BootstrapAdminKey, "Shroud__BootstrapAdminKey")]
    [InlineData("RootKeys__Keys__current", PublishedDevelopmentKeys.RootKey, "RootKeys__Keys__current")]
    public async Task The_worker_does_not_start_with_a_published_development_key(string setting, string publishedValue, string named)
    {
        var settings = FunctionsWorker.Settings(azurite.ConnectionString, azurite.UniqueName("f"), azurite.UniqueName("deliveries"), Convert.ToBase64String(new byte[32]));
        settings[setting] = publishedValue;

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => FunctionsHost.StartAsync(FunctionsWorker.AppDirectory, settings));

        Assert.Contains("The worker exited", refused.Message, StringComparison.Ordinal);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(publishedValue, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_development_the_worker_starts_with_the_published_keys_as_func_start_runs_it()
    {
        var settings = FunctionsWorker.Settings(azurite.ConnectionString, azurite.UniqueName("f"), azurite.UniqueName("deliveries"), Convert.ToBase64String(new byte[32]));
        settings["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        settings["Shroud__BootstrapAdminKey"] = PublishedDevelopmentKeys.BootstrapAdminKey;
        settings["RootKeys__Keys__current"] = PublishedDevelopmentKeys.RootKey;

        await using var host = await FunctionsHost.StartAsync(FunctionsWorker.AppDirectory, settings);

        Assert.Equal(System.Net.HttpStatusCode.OK, (await host.CreateClient().GetAsync("/api/health")).StatusCode);
    }
}
