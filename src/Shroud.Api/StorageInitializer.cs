using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>Creates Shroud's tables when a host starts, so the first request does not pay for it.</summary>
public sealed class StorageInitializer(ShroudTables tables, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await tables.CreateIfNotExistsAsync(cancellationToken);
        logger.LogInformation("Tables {Apps} and {Records} are ready", tables.Apps.Name, tables.Records.Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
