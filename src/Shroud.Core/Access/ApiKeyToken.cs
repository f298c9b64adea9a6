using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Shroud.Core.Access;

/// <summary>
/// An app API key as shown once to its creator: <c>shk_</c>, a 16-hex-digit key id, then a 256-bit secret in base64url.
/// Only the SHA-256 of the secret is stored; a full-entropy secret needs no slow hash.
/// </summary>
public sealed class ApiKeyToken
{
    public const string Prefix = "shk_";
    private const int KeyIdLength = 16;
    private const int SecretLength = 43;

    private ApiKeyToken(string keyId, string secret)
    {
        KeyId = keyId;
        Secret = secret;
    }

    public string KeyId { get; }

    private string Secret { get; }

    public static ApiKeyToken New() =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdLength / 2)), Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

    public static bool TryParse(string text, out ApiKeyToken token)
    {
        token = null!;
        if (text.Length != Prefix.Length + KeyIdLength + SecretLength || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var keyId = text.Substring(Prefix.Length, KeyIdLength);
        var secret = text[(Prefix.Length + KeyIdLength)..];
        if (!IsKeyId(keyId) || !Base64Url.IsValid(secret))
        {
            return false;
        }

        token = new ApiKeyToken(keyId, secret);
        return true;
    }

    public static bool IsKeyId(string text) => text.Length == KeyIdLength && text.All(char.IsAsciiHexDigitLower);

    public byte[] SecretHash() => Hash(Secret);

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The full key text; returned to the creator once and never stored or logged.</summary>
    public string Reveal() => Prefix + KeyId + Secret;

    public override string ToString() => $"{Prefix}{KeyId}…";
}
