using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Shroud.Core.Apps;
using Shroud.Core.Crypto;

namespace Shroud.Core.Channels;

/// <summary>
/// Seals a channel's secrets under the app's active KEK, each bound to its app, channel, name and KEK version. KEK
/// versions are destroyed after their retention, while a channel's secrets must stay readable as long as the channel
/// exists: the maintenance job therefore re-seals them under the active version (<see cref="ResealAsync"/>) before it
/// destroys anything, so secrets follow the app's keys (and, through them, the root key) instead of needing a key of their own.
/// </summary>
public sealed class ChannelSecrets(AppDirectory directory)
{
    /// <summary>The name under which the secret Shroud signs its deliveries with is stored beside the channel's own.</summary>
    public const string ForwardSecretName = "forwardSecret";

    private const string Purpose = "shroud/v1/channel-secret";

    /// <summary>Seals every secret under the app's active KEK; returns its version and the sealed values by name.</summary>
    public async Task<(int KekVersion, IReadOnlyDictionary<string, byte[]> Sealed)> SealAsync(
        string appId, string channelId, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken)
    {
        var kek = await directory.GetActiveAsync(appId, cancellationToken);
        var sealedSecrets = secrets.ToDictionary(
            s => s.Key,
            s => Aead.Seal(kek.Key, Encoding.UTF8.GetBytes(s.Value), Aad(appId, channelId, s.Key, kek.Version)),
            StringComparer.Ordinal);
        return (kek.Version, sealedSecrets);
    }

    /// <summary>Opens every secret of the channel; a missing KEK version or a failed check is a fault of the deployment, not of a caller.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OpenAsync(string appId, Channel channel, CancellationToken cancellationToken)
    {
        var kek = await directory.GetAsync(appId, channel.KekVersion, cancellationToken)
            ?? throw new InvalidOperationException($"Channel {appId}/{channel.Id} is sealed under KEK version {channel.KekVersion}, which no longer exists.");
        try
        {
            return channel.SealedSecrets.ToDictionary(
                s => s.Key,
                s => Encoding.UTF8.GetString(Aead.Open(kek.Key, s.Value, Aad(appId, channel.Id, s.Key, kek.Version))),
                StringComparer.Ordinal);
        }
        catch (CryptoFailure)
        {
            throw new InvalidOperationException($"Channel {appId}/{channel.Id} does not open with KEK version {channel.KekVersion}.");
        }
    }

    /// <summary>The channel with its secrets sealed under the app's active KEK version, or null when they already are.</summary>
    public async Task<Channel?> ResealAsync(string appId, Channel channel, CancellationToken cancellationToken)
    {
        var active = await directory.GetActiveAsync(appId, cancellationToken);
        if (channel.KekVersion == active.Version)
        {
            return null;
        }

        var (version, sealedSecrets) = await SealAsync(appId, channel.Id, await OpenAsync(appId, channel, cancellationToken), cancellationToken);
        return channel with { KekVersion = version, SealedSecrets = sealedSecrets };
    }

    /// <summary>A new forward secret: 256 random bits, base64url.</summary>
    public static string NewForwardSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static byte[] Aad(string appId, string channelId, string name, int version) =>
        AssociatedData.For(Purpose, appId, channelId, name, version);
}
