using System.Security.Cryptography;
using Shroud.Core;
using Shroud.Core.Crypto;
using Shroud.Core.Media;

namespace Shroud.UnitTests.Media;

public sealed class SegmentedAeadTests
{
    private const int Segment = 1024;
    private static readonly byte[] Aad = "app|ref|expiry|image/png"u8.ToArray();
    private readonly byte[] dek = Aead.NewKey();

    private async Task<byte[]> EncryptAsync(byte[] plaintext, long? maxLength = null)
    {
        using var output = new MemoryStream();
        var length = await SegmentedAead.EncryptAsync(new MemoryStream(plaintext), dek, Aad, maxLength ?? SegmentedAead.MaxPlaintextLength(Segment), (chunk, ct) => output.WriteAsync(chunk, ct), CancellationToken.None, Segment);
        Assert.Equal(plaintext.Length, length);
        return output.ToArray();
    }

    private async Task<byte[]> DecryptAsync(byte[] ciphertext, byte[]? key = null, byte[]? aad = null)
    {
        using var output = new MemoryStream();
        await SegmentedAead.DecryptAsync(new MemoryStream(ciphertext), key ?? dek, aad ?? Aad, (chunk, ct) => output.WriteAsync(chunk, ct), CancellationToken.None);
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Segment - 1)]
    [InlineData(Segment)]
    [InlineData(Segment + 1)]
    [InlineData((3 * Segment) + 17)]
    [InlineData(4 * Segment)]
    public async Task Round_trip_keeps_every_byte_and_the_length_is_predictable(int length)
    {
        var plaintext = RandomNumberGenerator.GetBytes(length);

        var ciphertext = await EncryptAsync(plaintext);

        Assert.Equal(SegmentedAead.CiphertextLength(length, Segment), ciphertext.Length);
        Assert.Equal(plaintext, await DecryptAsync(ciphertext));
    }

    private static IEnumerable<byte[]> Segments(byte[] ciphertext)
    {
        for (var offset = SegmentedAead.HeaderSize; offset < ciphertext.Length; offset += Segment + Aead.TagSize)
        {
            yield return ciphertext[offset..Math.Min(ciphertext.Length, offset + Segment + Aead.TagSize)];
        }
    }

    private static byte[] Join(byte[] ciphertext, IEnumerable<byte[]> segments) =>
        [.. ciphertext[..SegmentedAead.HeaderSize], .. segments.SelectMany(s => s)];

    public static TheoryData<string> Tamperings() =>
        ["reorder", "drop first", "drop middle", "duplicate", "truncate at a segment boundary", "truncate inside a segment", "drop last", "flip a bit", "flip a header bit", "append a byte", "header only"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Every_kind_of_segment_tampering_is_detected(string tampering)
    {
        var ciphertext = await EncryptAsync(RandomNumberGenerator.GetBytes((3 * Segment) + 100));
        var segments = Segments(ciphertext).ToList();
        Assert.Equal(4, segments.Count);

        var tampered = tampering switch
        {
            "reorder" => Join(ciphertext, [segments[1], segments[0], segments[2], segments[3]]),
            "drop first" => Join(ciphertext, segments.Skip(1)),
            "drop middle" => Join(ciphertext, [segments[0], segments[2], segments[3]]),
            "duplicate" => Join(ciphertext, [segments[0], segments[1], segments[1], segments[2], segments[3]]),
            "truncate at a segment boundary" => Join(ciphertext, segments.Take(3)),
            "truncate inside a segment" => ciphertext[..^40],
            "drop last" => Join(ciphertext, segments.Take(3)),
            "flip a bit" => Flip(ciphertext, SegmentedAead.HeaderSize + Segment + 5),
            "flip a header bit" => Flip(ciphertext, 9),
            "append a byte" => [.. ciphertext, 0],
            _ => ciphertext[..SegmentedAead.HeaderSize],
        };

        await Assert.ThrowsAsync<CryptoFailure>(() => DecryptAsync(tampered));
    }

    [Fact]
    public async Task A_segment_of_another_file_or_other_associated_data_is_rejected()
    {
        var first = await EncryptAsync(new byte[2 * Segment]);
        var second = await EncryptAsync(new byte[2 * Segment]);

        await Assert.ThrowsAsync<CryptoFailure>(() => DecryptAsync(Join(first, [Segments(first).First(), Segments(second).Last()])));
        await Assert.ThrowsAsync<CryptoFailure>(() => DecryptAsync(first, aad: "other"u8.ToArray()));
        await Assert.ThrowsAsync<CryptoFailure>(() => DecryptAsync(first, key: Aead.NewKey()));
    }

    [Fact]
    public async Task Input_over_the_limit_is_refused_as_media_too_large()
    {
        var error = await Assert.ThrowsAsync<ShroudException>(() => EncryptAsync(new byte[(2 * Segment) + 1], maxLength: 2 * Segment));

        Assert.Equal(ShroudError.MediaTooLarge, error.Error);
        Assert.Equal(2 * Segment, (await EncryptAsync(new byte[2 * Segment], maxLength: 2 * Segment)).Length - SegmentedAead.HeaderSize - (2 * Aead.TagSize));
    }

    [Fact]
    public async Task A_limit_beyond_the_segment_counter_is_refused_before_anything_is_written()
    {
        var written = 0;
        var limit = SegmentedAead.MaxPlaintextLength(Segment);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SegmentedAead.EncryptAsync(
            new MemoryStream([1, 2, 3]), dek, Aad, limit + 1, (chunk, _) => { written += chunk.Length; return ValueTask.CompletedTask; }, CancellationToken.None, Segment));

        Assert.Equal(0, written);
        Assert.Equal(Segment * (uint.MaxValue - 1L), limit);
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 0x01;
        return copy;
    }
}
