using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Shroud.Core.Crypto;

/// <summary>Root keys by id (section <c>RootKeys</c>): <c>RootKeys__ActiveKeyId</c> and <c>RootKeys__Keys__{id}</c> = base64 of 32 bytes.</summary>
public sealed class RootKeyOptions
{
    public const string SectionName = "RootKeys";

    public string? ActiveKeyId { get; set; }

    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The deployment's root keys; wraps and unwraps app KEKs, binding each to its app, version and root key id.</summary>
public sealed class RootKeyRing
{
    private readonly Dictionary<string, byte[]> keys;

    public RootKeyRing(IOptions<RootKeyOptions> options)
    {
        var value = options.Value;
        if (Validate(value) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        keys = value.Keys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value), StringComparer.Ordinal);
        ActiveKeyId = value.ActiveKeyId!;
    }

    public string ActiveKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => keys.Keys;

    public byte[] Wrap(string appId, int version, ReadOnlySpan<byte> kek) =>
        Aead.Seal(keys[ActiveKeyId], kek, Aad(appId, version, ActiveKeyId));

    /// <summary>Unwraps an app KEK; a missing root key id or a failed check is a deployment fault, not a caller error.</summary>
    public byte[] Unwrap(string appId, int version, string rootKeyId, byte[] wrapped)
    {
        if (!keys.TryGetValue(rootKeyId, out var rootKey))
        {
            throw new InvalidOperationException($"App KEK {appId}/{version} is wrapped by root key '{rootKeyId}', which is not configured.");
        }

        try
        {
            return Aead.Open(rootKey, wrapped, Aad(appId, version, rootKeyId));
        }
        catch (CryptoFailure)
        {
            throw new InvalidOperationException($"App KEK {appId}/{version} does not open with root key '{rootKeyId}'.");
        }
    }

    /// <summary>
    /// A 256-bit key for <paramref name="purpose"/> derived from root key <paramref name="rootKeyId"/> with HKDF-SHA256,
    /// so the root key itself never leaves the ring; null when that root key is not configured.
    /// </summary>
    public byte[]? DeriveKey(string rootKeyId, string purpose) =>
        keys.TryGetValue(rootKeyId, out var rootKey)
            ? HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, Aead.KeySize, info: Encoding.UTF8.GetBytes(purpose))
            : null;

    /// <summary>Checks the options without building a ring, for start-up validation that names the bad setting.</summary>
    public static string? Validate(RootKeyOptions options)
    {
        if (options.Keys.Count == 0)
        {
            return $"No root key is configured: set {RootKeyOptions.SectionName}__Keys__<id> to a base64-encoded 32-byte key and {RootKeyOptions.SectionName}__ActiveKeyId to its id.";
        }

        if (string.IsNullOrEmpty(options.ActiveKeyId) || !options.Keys.ContainsKey(options.ActiveKeyId))
        {
            return $"Setting {RootKeyOptions.SectionName}__ActiveKeyId must name one of the configured root keys.";
        }

        foreach (var (id, value) in options.Keys)
        {
            if (!TryDecode(value, out _))
            {
                return $"Setting {RootKeyOptions.SectionName}__Keys__{id} must be base64 of exactly 32 bytes.";
            }
        }

        return null;
    }

    private static byte[] Aad(string appId, int version, string rootKeyId) =>
        AssociatedData.For(AssociatedData.AppKek, appId, version, rootKeyId);

    private static bool TryDecode(string value, out byte[] key)
    {
        key = [];
        try
        {
            key = Convert.FromBase64String(value);
            return key.Length == Aead.KeySize;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
