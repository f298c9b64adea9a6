using System.Security.Cryptography;
using System.Text;

namespace Shroud.Core.Channels;

/// <summary>The comparisons every verifier shares, all constant-time in the secret material.</summary>
internal static class ChannelSignatures
{
    /// <summary>Longest challenge a handshake echoes: channels send short numeric or alphanumeric ones.</summary>
    private const int MaxChallengeLength = 256;

    /// <summary>
    /// True when <paramref name="presented"/> is <paramref name="prefix"/> followed by the hex form of
    /// <paramref name="expected"/> (either letter case). The hex is decoded and the bytes compared in constant time.
    /// </summary>
    public static bool HexMatches(string? presented, string prefix, ReadOnlySpan<byte> expected)
    {
        if (presented is null || !presented.StartsWith(prefix, StringComparison.Ordinal) || presented.Length != prefix.Length + expected.Length * 2)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[expected.Length];
        return Convert.FromHexString(presented.AsSpan(prefix.Length), decoded, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == expected.Length
            && CryptographicOperations.FixedTimeEquals(decoded, expected);
    }

    /// <summary>
    /// Compares two shared secrets in constant time. Both sides are hashed first so that neither the content nor the
    /// length of the secret shows in the time taken (as <c>Gatekeeper</c> does for API keys).
    /// </summary>
    public static bool SecretEquals(string? presented, string? secret) =>
        presented is not null && secret is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>
    /// A handshake echoes the channel's challenge into Shroud's own answer, so only short tokens of the characters
    /// channels use are echoed: nothing a forger could turn into markup or a header.
    /// </summary>
    public static bool IsEchoableChallenge(string? challenge) =>
        challenge is { Length: > 0 and <= MaxChallengeLength } && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
