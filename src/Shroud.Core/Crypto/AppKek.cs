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
}
