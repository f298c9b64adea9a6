using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Shroud.Core;
using Shroud.Core.Crypto;
using Shroud.Core.Media;

namespace Shroud.UnitTests.Media;

/// <summary>
/// Key material and plaintext buffers are zeroed once dropped, on error paths too. These tests see the buffers that
/// leave the code under test (through a sink, a stream or a constructor); buffers that never leave it are not
/// observable here.
/// </summary>
public sealed class BufferZeroingTests
{
    private const int Segment = 1024;
    private static readonly byte[] Aad = "app|ref|expiry|image/png"u8.ToArray();
    private readonly byte[] dek = Aead.NewKey();

    [Fact]
    public async Task Decryption_zeroes_the_plaintext_buffer_it_handed_to_the_sink()
    {
        var ciphertext = await EncryptAsync(RandomNumberGenerator.GetBytes((2 * Segment) + 5));
        var seen = new List<byte[]>();

        await SegmentedAead.DecryptAsync(new MemoryStream(ciphertext), dek, Aad, Capture(seen), CancellationToken.None);

        AssertAllZero(Assert.Single(seen.Distinct()));
    }

    [Fact]
    public async Task Decryption_that_fails_part_way_zeroes_the_plaintext_it_already_released()
    {
        var ciphertext = await EncryptAsync(RandomNumberGenerator.GetBytes((2 * Segment) + 5));
        ciphertext[^1] ^= 1;
        var seen = new List<byte[]>();

        await Assert.ThrowsAsync<CryptoFailure>(() => SegmentedAead.DecryptAsync(new MemoryStream(ciphertext), dek, Aad, Capture(seen), CancellationToken.None));

        Assert.NotEmpty(seen);
        AssertAllZero(Assert.Single(seen.Distinct()));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(Segment)]
    public async Task Encryption_zeroes_its_plaintext_buffer_whether_it_succeeds_or_refuses_a_file_too_large(long maxLength)
    {
        var plaintext = new CapturingStream(RandomNumberGenerator.GetBytes((2 * Segment) + 5));

        // 0 stands for no limit of the caller's own: the largest the segment counter allows.
        var limit = maxLength == 0 ? SegmentedAead.MaxPlaintextLength(Segment) : maxLength;
        var encrypt = SegmentedAead.EncryptAsync(plaintext, dek, Aad, limit, (_, _) => ValueTask.CompletedTask, CancellationToken.None, Segment);
        if (maxLength == 0)
        {
            await encrypt;
        }
        else
        {
            await Assert.ThrowsAsync<ShroudException>(() => encrypt);
        }

        AssertAllZero(Assert.Single(plaintext.Buffers.Distinct()));
    }

    [Fact]
    public async Task An_opened_media_file_that_never_streams_zeroes_its_first_segment_and_closes_its_blob_when_disposed()
    {
        var blob = new MemoryStream(await EncryptAsync([1, 2, 3]));
        var (opened, first) = await OpenAsync(blob, dek);

        await opened.DisposeAsync();

        AssertAllZero(first);
        Assert.False(blob.CanRead);
    }

    [Fact]
    public async Task An_opened_media_file_zeroes_its_plaintext_once_streamed_and_when_the_stream_fails()
    {
        var (streamed, first) = await OpenAsync(new MemoryStream(await EncryptAsync(RandomNumberGenerator.GetBytes(Segment + 3))), dek);
        await streamed.CopyToAsync((_, _) => ValueTask.CompletedTask, CancellationToken.None);
        AssertAllZero(first);

        var tampered = await EncryptAsync(RandomNumberGenerator.GetBytes(Segment + 3));
        tampered[^1] ^= 1;
        var (failing, failingFirst) = await OpenAsync(new MemoryStream(tampered), dek);
        await Assert.ThrowsAsync<CryptoFailure>(() => failing.CopyToAsync((_, _) => ValueTask.CompletedTask, CancellationToken.None));
        AssertAllZero(failingFirst);
    }

    [Fact]
    public void An_app_kek_no_longer_referenced_has_its_key_zeroed()
    {
        var key = Aead.NewKey();
        DropAppKek(key);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        AssertAllZero(key);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropAppKek(byte[] key) => _ = new AppKek("app", 1, key, DateTimeOffset.UnixEpoch, null);

    private async Task<byte[]> EncryptAsync(byte[] plaintext)
    {
        using var output = new MemoryStream();
        await SegmentedAead.EncryptAsync(new MemoryStream(plaintext), dek, Aad, SegmentedAead.MaxPlaintextLength(Segment), (chunk, ct) => output.WriteAsync(chunk, ct), CancellationToken.None, Segment);
        return output.ToArray();
    }

    /// <summary>Opens a blob as the media vault does: its first segment decrypted; returns the array that segment lives in.</summary>
    private static async Task<(OpenedMedia Opened, byte[] FirstSegmentBuffer)> OpenAsync(Stream blob, byte[] key)
    {
        var decryptor = await SegmentedAead.Decryptor.OpenAsync(blob, key, Aad, CancellationToken.None);
        var first = await decryptor.NextAsync(CancellationToken.None) ?? ReadOnlyMemory<byte>.Empty;
        Assert.True(MemoryMarshal.TryGetArray(first, out var segment));
        return (new OpenedMedia("image/png", first.Length, null, blob, decryptor, first), segment.Array!);
    }

    private static SegmentedAead.Sink Capture(List<byte[]> seen) => (chunk, _) =>
    {
        Assert.True(MemoryMarshal.TryGetArray(chunk, out var segment));
        seen.Add(segment.Array!);
        return ValueTask.CompletedTask;
    };

    private static void AssertAllZero(byte[] buffer) => Assert.True(buffer.All(b => b == 0), "the buffer still holds data");

    /// <summary>A plaintext source that remembers every buffer it was asked to fill.</summary>
    private sealed class CapturingStream(byte[] content) : MemoryStream(content)
    {
        public List<byte[]> Buffers { get; } = [];

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
            {
                Buffers.Add(segment.Array!);
            }

            return base.ReadAsync(buffer, cancellationToken);
        }
    }
}
