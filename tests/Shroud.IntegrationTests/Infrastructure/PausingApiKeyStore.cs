using Shroud.Core.Access;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>
/// The real API key table, whose lookup of one chosen key id can be held after it has read storage and before it
/// answers, so a test can make something happen while that lookup is in flight.
/// </summary>
public sealed class PausingApiKeyStore(IApiKeyStore table) : IApiKeyStore
{
    private volatile string? pausedKeyId;
    private TaskCompletionSource readDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the held lookup has read storage.</summary>
    public Task ReadDone => readDone.Task;

    /// <summary>Holds the next lookup of <paramref name="keyId"/> until <see cref="Release"/>.</summary>
    public void Pause(string keyId)
    {
        readDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        pausedKeyId = keyId;
    }

    public void Release() => release.TrySetResult();

    public async Task<ApiKeyRecord?> GetAsync(string appId, string keyId, CancellationToken cancellationToken)
    {
        var key = await table.GetAsync(appId, keyId, cancellationToken);
        if (keyId == pausedKeyId)
        {
            pausedKeyId = null;
            readDone.TrySetResult();
            await release.Task;
        }

        return key;
    }

    public Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken) => table.AddAsync(key, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string appId, CancellationToken cancellationToken) => table.ListAsync(appId, cancellationToken);

    public Task<bool> RevokeAsync(string appId, string keyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        table.RevokeAsync(appId, keyId, now, cancellationToken);
}
