using System.Text;
using Shroud.Core.Crypto;

namespace Shroud.UnitTests.Crypto;

public sealed class EnvelopeTests
{
    private static readonly DateTimeOffset Expiry = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);
    private static readonly RecordAddress Address = new("acme-support", "ref-one", Expiry, "text/plain; charset=utf-8");
    private readonly AppKek kek = new("acme-support", 3, Aead.NewKey(), Expiry, null);

    [Fact]
    public void Round_trip_returns_the_plaintext()
    {
        var (record, refKek) = Envelope.Seal("jane@example.com"u8, Address, kek);

        Assert.Equal("jane@example.com", Encoding.UTF8.GetString(Envelope.Open(record, Address, kek, refKek)));
        Assert.Equal(3, record.KekVersion);
    }

    [Fact]
    public void Empty_value_round_trips()
    {
        var (record, refKek) = Envelope.Seal([], Address, kek);

        Assert.Empty(Envelope.Open(record, Address, kek, refKek));
    }

    [Fact]
    public void Stored_fields_never_contain_the_plaintext_or_the_ref_kek()
    {
        var plaintext = "4111 1111 1111 1111"u8.ToArray();
        var (record, refKek) = Envelope.Seal(plaintext, Address, kek);

        foreach (var stored in new[] { record.Ciphertext, record.WrappedDek })
        {
            Assert.Equal(-1, stored.AsSpan().IndexOf(plaintext));
            Assert.Equal(-1, stored.AsSpan().IndexOf(refKek));
        }
    }

    [Fact]
    public void Two_encryptions_of_the_same_value_share_nothing()
    {
        var (first, firstKek) = Envelope.Seal("same"u8, Address, kek);
        var (second, secondKek) = Envelope.Seal("same"u8, Address, kek);

        Assert.NotEqual(firstKek, secondKek);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
        Assert.NotEqual(first.WrappedDek, second.WrappedDek);
        Assert.NotEqual(first.Ciphertext[..Aead.NonceSize], second.Ciphertext[..Aead.NonceSize]);
    }

    [Fact]
    public void Wrong_ref_kek_fails_with_the_generic_error()
    {
        var (record, _) = Envelope.Seal("secret"u8, Address, kek);

        Assert.Throws<CryptoFailure>(() => Envelope.Open(record, Address, kek, Aead.NewKey()));
    }

    [Fact]
    public void Wrong_app_kek_fails_with_the_generic_error()
    {
        var (record, refKek) = Envelope.Seal("secret"u8, Address, kek);
        var other = new AppKek(kek.AppId, kek.Version, Aead.NewKey(), Expiry, null);

        Assert.Throws<CryptoFailure>(() => Envelope.Open(record, Address, other, refKek));
    }

    public static TheoryData<string, int> TamperedBytes()
    {
        var data = new TheoryData<string, int>();
        foreach (var field in new[] { "ciphertext", "wrappedDek" })
        {
            foreach (var index in new[] { 0, 5, 11, 12, 20, -16, -1 })
            {
                data.Add(field, index);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TamperedBytes))]
    public void A_flipped_bit_in_any_stored_field_fails_with_the_generic_error(string field, int index)
    {
        var (record, refKek) = Envelope.Seal("a value of some length"u8, Address, kek);
        var bytes = field == "ciphertext" ? record.Ciphertext : record.WrappedDek;
        bytes[index < 0 ? bytes.Length + index : index] ^= 0x01;

        Assert.Throws<CryptoFailure>(() => Envelope.Open(record, Address, kek, refKek));
    }

    [Fact]
    public void A_changed_kek_version_fails_with_the_generic_error()
    {
        var (record, refKek) = Envelope.Seal("secret"u8, Address, kek);

        Assert.Throws<CryptoFailure>(() => Envelope.Open(record with { KekVersion = 4 }, Address, kek, refKek));
    }

    public static TheoryData<string> MovedAddresses() => ["other row", "other app", "other expiry", "other content type"];

    [Theory]
    [MemberData(nameof(MovedAddresses))]
    public void A_record_opened_at_another_address_fails_with_the_generic_error(string move)
    {
        var (record, refKek) = Envelope.Seal("secret"u8, Address, kek);
        var moved = move switch
        {
            "other row" => Address with { RefId = "ref-two" },
            "other app" => Address with { AppId = "other-app" },
            "other expiry" => Address with { ExpiresAt = Expiry.AddSeconds(1) },
            _ => Address with { ContentType = "image/png" },
        };
        var movedKek = move == "other app" ? new AppKek("other-app", kek.Version, kek.Key, Expiry, null) : kek;

        Assert.Throws<CryptoFailure>(() => Envelope.Open(record, moved, movedKek, refKek));
    }

    [Fact]
    public void A_ciphertext_swapped_between_two_rows_fails_with_the_generic_error()
    {
        var (first, firstKek) = Envelope.Seal("first"u8, Address, kek);
        var secondAddress = Address with { RefId = "ref-two" };
        var (second, _) = Envelope.Seal("second"u8, secondAddress, kek);

        Assert.Throws<CryptoFailure>(() => Envelope.Open(first with { Ciphertext = second.Ciphertext }, Address, kek, firstKek));
    }
}
