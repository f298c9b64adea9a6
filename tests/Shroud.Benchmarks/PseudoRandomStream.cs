using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Shroud.Benchmarks;

/// <summary>
/// A read-only stream of <see cref="Size"/> deterministic pseudo-random bytes, generated chunk by chunk (never held whole)
/// and hashed with SHA-256 as they are read. The bytes depend only on the seed and their position, not on how they are read.
/// </summary>
internal sealed class PseudoRandomStream(ulong seed, long size) : Stream
{
    private const int ChunkSize = 64 * 1024;
    private readonly byte[] chunk = new byte[ChunkSize];
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long chunkIndex = -1;
    private long position;
    private byte[]? finalHash;

    public long Size { get; } = size;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of all <see cref="Size"/> bytes; only once they have all been read (also after disposal, as HttpClient disposes request content).</summary>
    public byte[] Sha256() =>
        position == Size ? finalHash ?? hash.GetCurrentHash() : throw new BenchmarkFailure($"the generator was read to byte {position:N0} of {Size:N0}.");

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length && position < Size)
        {
            var index = position / ChunkSize;
            if (index != chunkIndex)
            {
                Generate(index);
            }

            var offset = (int)(position % ChunkSize);
            var take = (int)Math.Min(Math.Min(buffer.Length - total, ChunkSize - offset), Size - position);
            chunk.AsSpan(offset, take).CopyTo(buffer[total..]);
            total += take;
            position += take;
        }

        hash.AppendData(buffer[..total]);
        return total;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && finalHash is null)
        {
            finalHash = position == Size ? hash.GetCurrentHash() : [];
            hash.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>SplitMix64 of the word counter: counter-based, so any chunk can be made without the ones before it.</summary>
    private void Generate(long index)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(chunk.AsSpan());
        var word = (ulong)index * (ChunkSize / 8);
        for (var i = 0; i < words.Length; i++)
        {
            var z = seed + ((word++ + 1) * 0x9E3779B97F4A7C15UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            words[i] = BitConverter.IsLittleEndian ? z : BinaryPrimitives.ReverseEndianness(z);
        }

        chunkIndex = index;
    }
}
