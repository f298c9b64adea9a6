using System.Buffers.Binary;
using System.Security.Cryptography;
using Shroud.Core.Crypto;

namespace Shroud.Core.Media;

/// <summary>
/// Streaming authenticated encryption for media, after Tink's AES-GCM streaming AEAD. The ciphertext is a header
/// (<c>SHM1</c> ‖ segment size ‖ 7-byte random nonce prefix) and segments of at most <c>segment size + 16</c> bytes.
/// Segment <c>i</c> is AES-GCM under the file's DEK with nonce = prefix ‖ i (4 bytes) ‖ last-segment flag (1 byte) and
/// associated data = the record's data AAD ‖ header, so reordering, dropping, duplicating or truncating segments,
/// or changing the header, fails authentication. Neither direction holds more than one segment in memory.
/// </summary>
public static class SegmentedAead
{
    public const int DefaultSegmentSize = 64 * 1024;
    public const int HeaderSize = 4 + 4 + NoncePrefixSize;
    private const int NoncePrefixSize = 7;
    private const int MinSegmentSize = 1024;
    private const int MaxSegmentSize = 4 * 1024 * 1024;
    private static readonly byte[] Magic = "SHM1"u8.ToArray();

    /// <summary>A chunk of output; the memory is only valid until the returned task completes.</summary>
    public delegate ValueTask Sink(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Bytes of ciphertext for a plaintext of the given length (the last segment may be empty, never absent).</summary>
    public static long CiphertextLength(long plaintextLength, int segmentSize = DefaultSegmentSize) =>
        HeaderSize + plaintextLength + (Math.Max(1, (plaintextLength + segmentSize - 1) / segmentSize) * Aead.TagSize);

    /// <summary>
    /// The longest plaintext whose segments the 4-byte counter numbers without reaching <see cref="uint.MaxValue"/>,
    /// which decryption refuses.
    /// </summary>
    public static long MaxPlaintextLength(int segmentSize = DefaultSegmentSize) => (long)segmentSize * (uint.MaxValue - 1L);

    /// <summary>Encrypts <paramref name="plaintext"/> to <paramref name="output"/>; returns the plaintext length.</summary>
    /// <exception cref="ShroudException"><see cref="ShroudError.MediaTooLarge"/> once more than <paramref name="maxLength"/> bytes are read.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is beyond <see cref="MaxPlaintextLength"/>: a nonce could repeat.</exception>
    public static async Task<long> EncryptAsync(
        Stream plaintext, byte[] dek, byte[] associatedData, long maxLength, Sink output, CancellationToken cancellationToken, int segmentSize = DefaultSegmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, MaxPlaintextLength(segmentSize));
        var header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), segmentSize);
        RandomNumberGenerator.Fill(header.AsSpan(8));
        await output(header, cancellationToken);

        var aad = Concat(associatedData, header);
        using var gcm = new AesGcm(dek, Aead.TagSize);
        var buffer = new byte[segmentSize + 1];
        var sealedSegment = new byte[segmentSize + Aead.TagSize];
        var nonce = new byte[Aead.NonceSize];
        long total = 0;
        var filled = 0;
        try
        {
            for (uint index = 0; ; index++)
            {
                // One byte past a full segment tells whether this segment is the last.
                filled += await FillAsync(plaintext, buffer.AsMemory(filled), cancellationToken);
                var last = filled <= segmentSize;
                var length = last ? filled : segmentSize;
                total += length;
                if (total > maxLength)
                {
                    throw new ShroudException(ShroudError.MediaTooLarge, $"The media is larger than the limit of {maxLength} bytes.");
                }

                Nonce(header, index, last, nonce);
                gcm.Encrypt(nonce, buffer.AsSpan(0, length), sealedSegment.AsSpan(0, length), sealedSegment.AsSpan(length, Aead.TagSize), aad);
                await output(sealedSegment.AsMemory(0, length + Aead.TagSize), cancellationToken);
                if (last)
                {
                    return total;
                }

                buffer[0] = buffer[segmentSize];
                filled = 1;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Decrypts to <paramref name="output"/>, releasing each segment only once it is authenticated.</summary>
    /// <exception cref="CryptoFailure">Any segment, the header or the end of the stream does not authenticate.</exception>
    public static async Task DecryptAsync(Stream ciphertext, byte[] dek, byte[] associatedData, Sink output, CancellationToken cancellationToken)
    {
        using var decryptor = await Decryptor.OpenAsync(ciphertext, dek, associatedData, cancellationToken);
        while (await decryptor.NextAsync(cancellationToken) is { } segment)
        {
            await output(segment, cancellationToken);
        }
    }

    /// <summary>Reads a segmented ciphertext one authenticated segment at a time, so a caller can check the first before answering.</summary>
    public sealed class Decryptor : IDisposable
    {
        private readonly Stream ciphertext;
        private readonly byte[] header;
        private readonly byte[] aad;
        private readonly AesGcm gcm;
        private readonly int sealedSize;
        private readonly byte[] buffer;
        private readonly byte[] plain;
        private readonly byte[] nonce = new byte[Aead.NonceSize];
        private uint index;
        private int filled;
        private bool done;

        private Decryptor(Stream ciphertext, byte[] header, byte[] dek, byte[] aad, int segmentSize)
        {
            this.ciphertext = ciphertext;
            this.header = header;
            this.aad = aad;
            gcm = new AesGcm(dek, Aead.TagSize);
            sealedSize = segmentSize + Aead.TagSize;
            buffer = new byte[sealedSize + 1];
            plain = new byte[segmentSize];
        }

        /// <summary>Reads and checks the header.</summary>
        /// <exception cref="CryptoFailure">The header is not one this format writes.</exception>
        public static async Task<Decryptor> OpenAsync(Stream ciphertext, byte[] dek, byte[] associatedData, CancellationToken cancellationToken)
        {
            var header = new byte[HeaderSize];
            var segmentSize = await FillAsync(ciphertext, header, cancellationToken) == HeaderSize && header.AsSpan(0, 4).SequenceEqual(Magic)
                ? BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4))
                : throw new CryptoFailure();
            if (segmentSize is < MinSegmentSize or > MaxSegmentSize)
            {
                throw new CryptoFailure();
            }

            return new Decryptor(ciphertext, header, dek, Concat(associatedData, header), segmentSize);
        }

        /// <summary>The next segment's plaintext (valid until the next call), or null after the last one.</summary>
        /// <exception cref="CryptoFailure">The segment, or the end of the stream, does not authenticate.</exception>
        public async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken cancellationToken)
        {
            if (done)
            {
                return null;
            }

            filled += await FillAsync(ciphertext, buffer.AsMemory(filled), cancellationToken);
            var last = filled <= sealedSize;
            var length = (last ? filled : sealedSize) - Aead.TagSize;
            if (length < 0 || index == uint.MaxValue)
            {
                throw new CryptoFailure();
            }

            Nonce(header, index, last, nonce);
            try
            {
                gcm.Decrypt(nonce, buffer.AsSpan(0, length), buffer.AsSpan(length, Aead.TagSize), plain.AsSpan(0, length), aad);
            }
            catch (CryptographicException)
            {
                throw new CryptoFailure();
            }

            if (last)
            {
                done = true;
            }
            else
            {
                // One byte past a full segment tells whether the next segment is the last; it starts the next read.
                buffer[0] = buffer[sealedSize];
                filled = 1;
                index++;
            }

            return plain.AsMemory(0, length);
        }

        public void Dispose()
        {
            gcm.Dispose();
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static void Nonce(byte[] header, uint index, bool last, byte[] nonce)
    {
        header.AsSpan(8, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(NoncePrefixSize), index);
        nonce[^1] = last ? (byte)1 : (byte)0;
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    /// <summary>Reads until the buffer is full or the stream ends; returns the bytes read.</summary>
    private static async Task<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
