using Shroud.Core.Crypto;

namespace Shroud.Core.Channels.Deliveries;

/// <summary>
/// Seals a delivery's payload (the channel's JSON with sealed fields, hence ref KEKs) under the app's KEK, bound to its
/// app, channel, delivery id, row and KEK version: a payload moved to another row or delivery does not open.
/// </summary>
public static class DeliveryPayloads
{
    private const string Purpose = "shroud/v1/delivery-payload";

    public static byte[] Seal(AppKek kek, string channelId, string deliveryId, string partition, string row, ReadOnlySpan<byte> payload) =>
        Aead.Seal(kek.Key, payload, Aad(kek.AppId, channelId, deliveryId, partition, row, kek.Version));

    /// <summary>The payload; <see cref="CryptoFailure"/> when it does not open.</summary>
    public static byte[] Open(AppKek kek, string channelId, string deliveryId, string partition, string row, ReadOnlySpan<byte> sealedPayload) =>
        Aead.Open(kek.Key, sealedPayload, Aad(kek.AppId, channelId, deliveryId, partition, row, kek.Version));

    private static byte[] Aad(string appId, string channelId, string deliveryId, string partition, string row, int version) =>
        AssociatedData.For(Purpose, appId, channelId, deliveryId, partition, row, version);
}
