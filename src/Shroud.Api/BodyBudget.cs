namespace Shroud.Api;

/// <summary>
/// How many bytes of large request bodies one instance handles at once. While a request is handled its body is held, and what
/// is built from it (values, ciphertext, the storage request, the answer) is a few times its size, so without a bound memory
/// grows with the number of concurrent large requests. A large body waits for its share before it is read; bodies up to
/// <see cref="Threshold"/> never wait.
/// </summary>
public static class BodyBudget
{
    public const int Threshold = RequestBody.Medium;
    public const int Mebibytes = 32;
    private const long Unit = 1024 * 1024;

    private static readonly SemaphoreSlim Units = new(Mebibytes, Mebibytes);

    // One request takes its units at a time, so two requests each holding part of what they need cannot wait on each other.
    private static readonly SemaphoreSlim Turn = new(1, 1);

    /// <summary>Waits until <paramref name="bytes"/> (rounded up to MiB, at most the whole budget) are free; disposing the lease gives them back.</summary>
    public static async Task<IDisposable> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(Mebibytes, (bytes + Unit - 1) / Unit);
        var acquired = 0;
        await Turn.WaitAsync(cancellationToken);
        try
        {
            for (; acquired < count; acquired++)
            {
                await Units.WaitAsync(cancellationToken);
            }
        }
        catch
        {
            if (acquired > 0)
            {
                Units.Release(acquired);
            }

            throw;
        }
        finally
        {
            Turn.Release();
        }

        return new Lease(count);
    }

    private sealed class Lease(int count) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Units.Release(count);
            }
        }
    }
}
