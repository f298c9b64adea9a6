using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Maintenance;
using Shroud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Shroud.IntegrationTests.Lifecycle;

/// <summary>Changing Shroud__MaxTtl never destroys a KEK version while a value it sealed is alive.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MaxTtlChangeTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string App = "max-ttl-app";
    private static readonly Dictionary<string, string?> OneDayMaximum = new() { ["Shroud:MaxTtl"] = "1.00:00:00", ["Shroud:DefaultTtl"] = "01:00:00" };

    private static async Task<MaintenanceReport> MaintainAsync(ShroudFactory factory) =>
        await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Keys, CancellationToken.None);

    private static async Task<(HttpStatusCode Status, string? Value)> DecryptAsync(ShroudClient client, string key, string reference)
    {
        var (status, body, _) = await client.PostAsync($"/api/apps/{App}/decrypt", key, new { @ref = reference });
        return (status, status == HttpStatusCode.OK ? body!["value"]!.GetValue<string>() : body!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lowering_the_maximum_keeps_the_version_until_values_sealed_under_the_old_maximum_expire()
    {
        await using var before = new ShroudFactory(azurite);
        var client = new ShroudClient(before.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "admin");
        var reference = (await client.EncryptAsync(App, key, new { value = "kept for a week", ttl = "P7D" }))["ref"]!.GetValue<string>();

        await using var after = before.Sibling(OneDayMaximum);
        var lowered = new ShroudClient(after.CreateClient());
        before.Clock.Advance(TimeSpan.FromDays(1));
        var rotation = await MaintainAsync(after);
        var retired = (await lowered.SendAsync(HttpMethod.Get, $"/api/apps/{App}/kek", key)).Body!["items"]!.AsArray()[1]!;
        before.Clock.Advance(TimeSpan.FromDays(3));
        var threeDaysLater = await MaintainAsync(after);
        var atDay4 = await DecryptAsync(lowered, key, reference);
        before.Clock.Advance(TimeSpan.FromDays(4));
        var afterExpiry = await MaintainAsync(after);

        output.WriteLine($"retired at {retired["retiredAt"]}, destroy at {retired["destroyAt"]}; day 4: {atDay4}; destroyed on day 4: {threeDaysLater.KeksDestroyed}, on day 8: {afterExpiry.KeksDestroyed}");
        Assert.Equal(1, rotation.KeksRotated);
        Assert.Equal((HttpStatusCode.OK, "kept for a week"), atDay4);
        Assert.Equal(0, threeDaysLater.KeksDestroyed);
        Assert.Equal(1, afterExpiry.KeksDestroyed);
    }

    [Fact]
    public async Task An_instance_with_a_higher_maximum_seals_with_a_version_made_under_it()
    {
        await using var low = new ShroudFactory(azurite, OneDayMaximum);
        var lowClient = new ShroudClient(low.CreateClient());
        var key = await lowClient.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "admin");
        Assert.Equal(HttpStatusCode.BadRequest, (await lowClient.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "too long", ttl = "P7D" })).Status);

        await using var high = low.Sibling(new Dictionary<string, string?> { ["Shroud:MaxTtl"] = "7.00:00:00", ["Shroud:DefaultTtl"] = "1.00:00:00" });
        var reference = (await new ShroudClient(high.CreateClient()).EncryptAsync(App, key, new { value = "kept for a week", ttl = "P7D" }))["ref"]!.GetValue<string>();
        low.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(2));
        await MaintainAsync(low);
        low.Clock.Advance(TimeSpan.FromDays(3));
        var destroyed = (await MaintainAsync(low)).KeksDestroyed;
        var atDay4 = await DecryptAsync(lowClient, key, reference);

        output.WriteLine($"versions destroyed by day 4: {destroyed}; day 4: {atDay4}");
        Assert.Equal((HttpStatusCode.OK, "kept for a week"), atDay4);
    }
}
