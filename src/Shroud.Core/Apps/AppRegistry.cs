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
        var kek = Aead.NewKey();
        var first = new StoredKek(appId, 1, rootKeys.Wrap(appId, 1, kek), rootKeys.ActiveKeyId, now, MaxTtl: options.Value.MaxTtl);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(kek);
        await apps.CreateAppAsync(appId, first, now, cancellationToken);
        return now;
    }
}
