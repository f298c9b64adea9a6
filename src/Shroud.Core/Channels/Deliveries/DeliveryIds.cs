using System.Security.Cryptography;
using System.Text;

namespace Shroud.Core.Channels.Deliveries;

/// <summary>
/// Delivery ids: 32 lower-case hex digits. A call with the channel's idempotency key gets the first 128 bits of
/// SHA-256 over the channel id and that key, so the channel's retries of one message carry one delivery id; a call
/// without one gets a random id.
/// </summary>
public static class DeliveryIds
{
    private const string Purpose = "shroud/v1/delivery-id";

    public static string For(string channelId, string? idempotencyKey) =>
        idempotencyKey is null
            ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Purpose}\n{channelId}\n{idempotencyKey}"))[..16]);

    public static bool IsValid(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);
}
