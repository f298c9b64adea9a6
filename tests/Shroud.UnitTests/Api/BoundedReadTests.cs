using System.Runtime.InteropServices;
using Shroud.Api;

namespace Shroud.UnitTests.Api;

public sealed class BoundedReadTests
{
    private const int Limit = 64 * 1024;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(40_000)]
    [InlineData(Limit)]
    public async Task A_stream_within_the_limit_comes_back_whole_with_or_without_a_declared_length(int size)
    {
        var bytes = Bytes(size);
        foreach (var declared in new long?[] { size, null })
        {
            var read = await BoundedRead.ReadAsync(new Trickle(bytes), declared, Limit, CancellationToken.None);

            Assert.True(read is not null, $"declared {declared}: refused");
            Assert.Equal(bytes, read.Value.ToArray());
        }
    }

    [Fact]
    public async Task A_declared_length_gets_an_array_of_its_own_size()
    {
        var read = await BoundedRead.ReadAsync(new Trickle(Bytes(300)), 300, Limit, CancellationToken.None);

        Assert.True(MemoryMarshal.TryGetArray(read!.Value, out var segment));
        Assert.Equal(300, segment.Array!.Length);
    }

    [Theory]
    [InlineData(Limit + 1, null)]
    [InlineData(Limit + 1, Limit + 1L)]
    [InlineData(301, 300L)]
    public async Task More_than_the_limit_or_than_the_declared_length_is_null(int size, long? declared)
    {
        var stream = new Trickle(Bytes(size));

        Assert.Null(await BoundedRead.ReadAsync(stream, declared, Limit, CancellationToken.None));
        Assert.True(declared is null or <= Limit || stream.Position == 0, "a declared length over the limit was read");
    }

    private static byte[] Bytes(int size) => Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>Hands out at most 1,000 bytes a read, as a network stream does.</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], cancellationToken);
    }
}
