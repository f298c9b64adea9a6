namespace Shroud.Api;

/// <summary>Reads a stream whole within a limit: a request body (<see cref="RequestBody"/>) or a channel API's answer.</summary>
public static class BoundedRead
{
    /// <summary>
    /// The stream's bytes in one array of its declared length, or, without a declaration, in one that grows from 16 KiB;
    /// null when there is more than <paramref name="limit"/> or than <paramref name="declared"/>, which one byte read past
    /// either tells.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(Stream stream, long? declared, int limit, CancellationToken cancellationToken)
    {
        if (declared > limit)
        {
            return null;
        }

        var buffer = new byte[declared is { } length ? (int)length : Math.Min(limit, 16 * 1024)];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (declared is not null || filled >= limit)
                {
                    if (await HasMoreAsync(stream, cancellationToken))
                    {
                        return null;
                    }

                    return buffer;
                }

                Array.Resize(ref buffer, (int)Math.Min(limit, buffer.Length * 2L));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return buffer.AsMemory(0, filled);
            }

            filled += read;
        }
    }

    /// <summary>Whether the stream holds at least one more byte.</summary>
    public static async Task<bool> HasMoreAsync(Stream stream, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        return await stream.ReadAsync(probe, cancellationToken) > 0;
    }
}
