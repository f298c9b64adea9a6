using System.Security.Cryptography;
using System.Text;
using Shroud.Api.Channels;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Deliveries;

namespace Shroud.UnitTests.Channels;

public sealed class DeliveryTests
{
    [Fact]
    public void A_channels_copies_of_one_message_share_a_delivery_id_and_other_messages_or_channels_do_not()
    {
        var id = DeliveryIds.For("0123456789abcdef", "Ev0001");

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, DeliveryIds.For("0123456789abcdef", "Ev0001"));
        Assert.NotEqual(id, DeliveryIds.For("0123456789abcdef", "Ev0002"));
        Assert.NotEqual(id, DeliveryIds.For("fedcba9876543210", "Ev0001"));
        Assert.NotEqual(DeliveryIds.For("0123456789abcdef", null), DeliveryIds.For("0123456789abcdef", null));
    }

    [Fact]
    public void Queue_messages_round_trip_and_anything_else_is_not_a_delivery()
    {
        var message = new DeliveryMessage("app", "0123456789abcdef", new string('a', 32), "202612011200-3", "d.x.y", 2);

        Assert.Equal(message, DeliveryMessage.TryParse(message.Serialize()));
        Assert.Contains("\"deliveryId\":", message.Serialize(), StringComparison.Ordinal);
        Assert.Null(DeliveryMessage.TryParse("not json"));
        Assert.Null(DeliveryMessage.TryParse("""{"appId":"app"}"""));
        Assert.Null(DeliveryMessage.TryParse(message.Serialize().Replace("\"attempt\":2", "\"attempt\":0", StringComparison.Ordinal)));
        Assert.Null(DeliveryMessage.TryParse(null));
    }

    [Fact]
    public void Shroud_signature_is_hex_hmac_sha256_of_time_dot_body_with_the_forward_secret()
    {
        var body = """{"a":1}"""u8.ToArray();

        var header = DeliveryWorker.Signature("secret", 1700000000, body);

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData("secret"u8, Encoding.UTF8.GetBytes("1700000000.{\"a\":1}")));
        Assert.Equal($"t=1700000000,v1={expected}", header);
        Assert.NotEqual(header, DeliveryWorker.Signature("secret", 1700000001, body));
        Assert.NotEqual(header, DeliveryWorker.Signature("other", 1700000000, body));
    }

    [Fact]
    public void Retry_delays_double_from_the_setting_up_to_ten_minutes()
    {
        var options = new ChannelOptions { DeliveryRetryDelay = TimeSpan.FromSeconds(5) };

        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 600, 600], Enumerable.Range(1, 9).Select(a => options.RetryDelayAfter(a).TotalSeconds));
        Assert.Equal(ChannelOptions.MaxDeliveryRetryDelay, options.RetryDelayAfter(1000));
    }

    [Fact]
    public void A_delivery_is_kept_for_the_duplicate_window_or_until_its_payload_expires_whichever_is_later()
    {
        var created = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
        var delivery = new Delivery("app", "c", new string('a', 32), DeliveryStatuses.Pending, 0, created, created, "p", "r", created.AddHours(1), null, null);

        Assert.Equal(created.AddHours(24), delivery.SweepAt);
        Assert.Equal(created.AddDays(3), (delivery with { PayloadExpiresAt = created.AddDays(3) }).SweepAt);
    }
}
