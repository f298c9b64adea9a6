using System.Security.Cryptography;

namespace Shroud.Core.Crypto;

/// <summary>
/// One unwrapped version of an app's key-encryption key. Its key material never leaves the process.
/// <paramref name="maxTtl"/>: the longest TTL it may seal, as recorded when it was made (null on older versions).
/// </summary>
public sealed class AppKek(string appId, int version, byte[] key, DateTimeOffset createdAt, DateTimeOffset? retiredAt, TimeSpan? maxTtl = null)
{
    public string AppId { get; } = appId;
    public int Version { get; } = version;
    internal byte[] Key { get; } = key;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public DateTimeOffset? RetiredAt { get; } = retiredAt;
    public TimeSpan? MaxTtl { get; } = maxTtl;

    public override string ToString() => $"{AppId}/kek/{Version}";

    /// <summary>
    /// Zeroes the key once nothing refers to it any more: a version dropped from a cache may still be in use by a
    /// request that read it before, so only the collector knows when it is really dropped.
    /// </summary>
    ~AppKek() => CryptographicOperations.ZeroMemory(Key);
}
