using Azure.Data.Tables;
using Shroud.Host.Azurite;

namespace Shroud.IntegrationTests.Azurite;

public sealed class AzuriteProcessTests
{
    [Fact]
    public async Task Disk_persistence_survives_a_restart_and_dispose_frees_the_ports()
    {
        var location = Directory.CreateTempSubdirectory("shroud-azurite-").FullName;
        try
        {
            var first = await StartAsync(location);
            var tablePort = first.TablePort;
            Assert.True(await AzuriteProcess.IsListeningAsync(tablePort));
            Assert.Contains($"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;", first.ConnectionString, StringComparison.Ordinal);
            var service = new TableServiceClient(first.ConnectionString);
            await service.CreateTableIfNotExistsAsync("persisted");
            await service.GetTableClient("persisted").AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
            await first.DisposeAsync();
            Assert.False(await AzuriteProcess.IsListeningAsync(tablePort));

            await using var second = await StartAsync(location);
            var read = await new TableServiceClient(second.ConnectionString).GetTableClient("persisted").GetEntityIfExistsAsync<TableEntity>("p", "r");
            Assert.Equal(1, read.Value?.GetInt32("V"));
        }
        finally
        {
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task Disposals_at_the_same_time_share_one_stop_and_all_wait_for_it()
    {
        var location = Directory.CreateTempSubdirectory("shroud-azurite-").FullName;
        try
        {
            var azurite = await StartAsync(location);

            // A host stops its services twice at once (its run loop and its owner); every caller returns once Azurite is gone.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                await azurite.DisposeAsync();
                Assert.False(await AzuriteProcess.IsListeningAsync(azurite.TablePort));
            })));
            await azurite.DisposeAsync();
        }
        finally
        {
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task Options_need_exactly_one_persistence_mode()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => AzuriteProcess.StartAsync(new AzuriteStartOptions(1, 2, 3, InMemory: true, Location: "x")));
        await Assert.ThrowsAsync<ArgumentException>(() => AzuriteProcess.StartAsync(new AzuriteStartOptions(1, 2, 3, InMemory: false)));
    }

    private static Task<AzuriteProcess> StartAsync(string location) =>
        AzuriteProcess.StartAsync(new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: false, location));
}
