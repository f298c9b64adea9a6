using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Shroud.Core.Apps;
using Shroud.Core.Crypto;

namespace Shroud.Core.Records;

/// <summary>
/// The opaque token handed to the caller for one sealed value: <c>shr1.</c> followed by base64url of
/// ref id (16 bytes) ‖ expiry (unix seconds, 8 bytes) ‖ ref KEK (32 bytes) ‖ app id (UTF-8).
/// It carries the only copy of the ref KEK; it must never be logged.
/// </summary>
public sealed class ShroudReference
{
    public const string Prefix = "shr1.";
    public const int RefIdSize = 16;
    private const int FixedSize = RefIdSize + 8 + Aead.KeySize;

    private ShroudReference(string appId, byte[] refId, DateTimeOffset expiresAt, byte[] refKek)
    {
        AppId = appId;
        RefIdBytes = refId;
        ExpiresAt = expiresAt;
        RefKek = refKek;
    }

    public string AppId { get; }

    /// <summary>The ref id as text (base64url): the only part of a reference that may appear in logs and audit records.</summary>
    public string RefId => RefIdText(RefIdBytes);

    public DateTimeOffset ExpiresAt { get; }

    internal byte[] RefIdBytes { get; }

    internal byte[] RefKek { get; }

    /// <summary>A new random ref id whose first byte is <paramref name="shard"/>, so the values of one request share a partition.</summary>
    public static byte[] NewRefId(byte shard)
    {
        var refId = RandomNumberGenerator.GetBytes(RefIdSize);
        refId[0] = shard;
        return refId;
    }

    public static string RefIdText(ReadOnlySpan<byte> refId) => Base64Url.EncodeToString(refId);

    public static ShroudReference Create(string appId, byte[] refId, DateTimeOffset expiresAt, byte[] refKek) =>
        new(appId, refId, expiresAt, refKek);

    public string Encode()
    {
        var app = Encoding.UTF8.GetBytes(AppId);
        var body = new byte[FixedSize + app.Length];
        RefIdBytes.CopyTo(body, 0);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(RefIdSize), ExpiresAt.ToUnixTimeSeconds());
        RefKek.CopyTo(body, RefIdSize + 8);
        app.CopyTo(body, FixedSize);
        return Prefix + Base64Url.EncodeToString(body);
    }

    public static bool TryParse(string? text, out ShroudReference reference)
    {
        reference = null!;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length > 256)
        {
            return false;
        }

        var encoded = text.AsSpan(Prefix.Length);
        if (!Base64Url.IsValid(encoded, out var length) || length <= FixedSize)
        {
            return false;
        }

        var body = Base64Url.DecodeFromChars(encoded);
        var seconds = BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(RefIdSize));
        if (seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        string appId;
        try
        {
            appId = new UTF8Encoding(false, true).GetString(body, FixedSize, body.Length - FixedSize);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (!AppIds.IsValid(appId))
        {
            return false;
        }

        // The decoder skips whitespace and ignores unused trailing bits: only the exact text Shroud issued is accepted.
        var parsed = new ShroudReference(appId, body[..RefIdSize], DateTimeOffset.FromUnixTimeSeconds(seconds), body[(RefIdSize + 8)..FixedSize]);
        if (!string.Equals(parsed.Encode(), text, StringComparison.Ordinal))
        {
            return false;
        }

        reference = parsed;
        return true;
    }

    public override string ToString() => $"{AppId}/{RefId}";
}
