using Microsoft.Extensions.Options;
using Shroud.Core.Crypto;

namespace Shroud.Core.Apps;

/// <summary>Creates apps, each with its first app KEK wrapped by the active root key.</summary>
public sealed class AppRegistry(IAppStore apps, RootKeyRing rootKeys, TimeProvider clock, IOptions<ShroudOptions> options)
{
    public async Task<DateTimeOffset> CreateAsync(string appId, CancellationToken cancellationToken)
    {
        if (!AppIds.IsValid(appId))
        {
            throw ShroudException.Invalid("id", $"must be {AppIds.Rule}.");
        }

        var now = clock.GetUtcNow();
        await apps.CreateAppAsync(appId, StoredKek.Create(rootKeys, appId, 1, now, options.Value.MaxTtl), now, cancellationToken);
        return now;
    }
}
