using System.Globalization;
using Shroud.Core.Crypto;
using Shroud.Core.Records;

namespace Shroud.UnitTests.Records;

public sealed class ShroudReferenceTests
{
    private static readonly DateTimeOffset Expiry = DateTimeOffset.FromUnixTimeSeconds(1_900_000_123);

    private static ShroudReference NewReference(string appId = "acme-support") =>
        ShroudReference.Create(appId, ShroudReference.NewRefId(7), Expiry, Aead.NewKey());

    [Fact]
    public void Encoded_reference_parses_back_to_the_same_fields()
    {
        var reference = NewReference();

        Assert.True(ShroudReference.TryParse(reference.Encode(), out var parsed));
        Assert.Equal("acme-support", parsed.AppId);
        Assert.Equal(reference.RefId, parsed.RefId);
        Assert.Equal(Expiry, parsed.ExpiresAt);
        Assert.Equal(reference.RefKek, parsed.RefKek);
    }

    public static TheoryData<string, Func<string, string>> NonCanonicalForms() => new()
    {
        { "a space inside", t => t.Insert(20, " ") },
        { "a newline inside", t => t.Insert(30, "\n") },
        { "a tab inside", t => t.Insert(12, "\t") },
        { "a carriage return and newline at the end", t => t + "\r\n" },
        { "padding", t => t + "=" },
        { "unused trailing bits set", t => t[..^1] + Base64UrlAlphabet[(Base64UrlAlphabet.IndexOf(t[^1], StringComparison.Ordinal) + 1) % 64] },
    };

    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [Theory]
    [MemberData(nameof(NonCanonicalForms))]
    public void Only_the_exact_issued_text_parses(string because, Func<string, string> alter)
    {
        // 68 bytes encode to 91 characters: the last one carries two unused bits, and standard base64 would pad with one '='.
        var text = NewReference("acme-support").Encode();
        Assert.True(ShroudReference.TryParse(text, out _));

        Assert.False(ShroudReference.TryParse(alter(text), out _), because);
    }

    [Fact]
    public void Encoding_is_url_safe_and_versioned()
    {
        var text = NewReference().Encode();

        Assert.StartsWith("shr1.", text);
        Assert.All(text[5..], c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
    }

    [Fact]
    public void Ref_ids_are_random_apart_from_the_shard_byte()
    {
        var first = ShroudReference.NewRefId(9);
        var second = ShroudReference.NewRefId(9);

        Assert.Equal(9, first[0]);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("shr1.")]
    [InlineData("shr2.AAAA")]
    [InlineData("shr1.!!!!")]
    [InlineData("shr1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("hello world")]
    public void Malformed_text_does_not_parse(string? text)
    {
        Assert.False(ShroudReference.TryParse(text, out _));
    }

    [Fact]
    public void A_truncated_reference_does_not_parse()
    {
        var text = NewReference().Encode();

        Assert.False(ShroudReference.TryParse(text[..60], out _));
    }

    // Expiry is 2030-03-17T17:48:43Z and the ref id's first byte 7: the keys are written out, not computed.
    [Theory]
    [InlineData("")]
    [InlineData("en-US")]
    [InlineData("th-TH")]
    [InlineData("ar-SA")]
    [InlineData("fa-IR")]
    public void Partition_key_puts_the_expiry_minute_first_and_the_shard_last_in_any_culture(string culture)
    {
        var reference = NewReference();
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            Assert.Equal("203003171748-7", RecordPartitions.For(reference));
            Assert.Equal("2030031717-7", RecordPartitions.HourlyFor(reference));
            Assert.Equal("203003171749", RecordPartitions.ExpiredBound(Expiry.AddMinutes(1)));
            Assert.True(string.CompareOrdinal(RecordPartitions.For(reference), RecordPartitions.ExpiredBound(Expiry.AddMinutes(1))) < 0);
            Assert.True(string.CompareOrdinal(RecordPartitions.For(reference), RecordPartitions.ExpiredBound(Expiry)) > 0);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}
