using Azure;
using Azure.Data.Tables;
using Shroud.Core.Conversations;
using Shroud.Core.Records;

namespace Shroud.Storage;

/// <summary>
/// The conversations table: one row per conversation with encryption started (or ended, until its expiry), in its app's
/// partition, and for each start an expiry row in partition <c>~{expiry minute}</c> (no app id starts with <c>~</c>, and
/// the key sorts after every app's), so the sweep reads the expired rows' minutes only and its cost follows the expired
/// conversations.
/// </summary>
public sealed class ConversationTable(TableClient table, TimeProvider clock) : IConversationStore
{
    private const string ExpiryPrefix = "~";

    // App ids hold no ':', so the first one separates the app from the conversation id.
    private const char KeySeparator = ':';


    /// <summary>The expiry row goes first: a conversation row that exists always has one, so none is left behind.</summary>
    public async Task StartAsync(string appId, ConversationEncryption state, CancellationToken cancellationToken)
    {
        var expiresAt = state.ExpiresAt ?? throw new ArgumentException("A conversation starts with an expiry.", nameof(state));
        await table.UpsertEntityAsync(
            new TableEntity(ExpiryPartition(expiresAt), appId + KeySeparator + state.ConversationId),
            TableUpdateMode.Replace,
            cancellationToken);
        await table.UpsertEntityAsync(
            new TableEntity(appId, state.ConversationId)
            {
                ["ConfigurationId"] = state.ConfigurationId,
                ["StartedAt"] = state.StartedAt,
                ["ExpiresAt"] = expiresAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>
    /// Marks the row ended; the sweep deletes it at its expiry as any other, so a message received while the encryption
    /// was on can still be judged by it (see <see cref="IConversationStore.GetAsync"/>'s <c>since</c>). A row from before
    /// conversations expired has no expiry row for the sweep to find: it is deleted, as ending did then.
    /// </summary>
    public async Task<bool> EndAsync(string appId, string conversationId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(appId, conversationId, select: ["ExpiresAt"], cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return false;
        }

        try
        {
            var response = row.Value!.GetDateTimeOffset("ExpiresAt") is null
                ? await table.DeleteEntityAsync(appId, conversationId, ETag.All, cancellationToken)
                : await table.UpdateEntityAsync(new TableEntity(appId, conversationId) { ["EndedAt"] = clock.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>An expired or ended row reads as not started, whether or not the sweep has deleted it yet.</summary>
    public async Task<ConversationEncryption?> GetAsync(string appId, string conversationId, CancellationToken cancellationToken, DateTimeOffset? since = null)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(appId, conversationId, cancellationToken: cancellationToken);
        var state = entity.HasValue ? FromEntity(entity.Value!) : null;
        var from = since ?? clock.GetUtcNow();
        return state is not null && !(state.ExpiresAt <= from) && (state.EndedAt is null || (since is not null && state.EndedAt > from)) ? state : null;
    }

    /// <summary>
    /// Reads the app's partition with a filter on the configuration column: the service scans the app's conversation
    /// rows (not other apps'), one query per configuration delete, which is rare next to starts and events.
    /// </summary>
    public async Task<bool> UsesConfigurationAsync(string appId, string configurationId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and ConfigurationId eq {configurationId}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 100, select: ["ExpiresAt", "EndedAt"], cancellationToken: cancellationToken))
        {
            if (!(row.GetDateTimeOffset("ExpiresAt") <= now) && row.GetDateTimeOffset("EndedAt") is null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Deletes every conversation row that expired before the current minute: reads the expiry rows of the minutes that
    /// have passed, deletes each conversation row that still has that expiry (one started again since has a later one,
    /// and its own expiry row), then the expiry rows in 100-row transactions. Stoppable and safe to run twice at once.
    /// </summary>
    public async Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = RecordPartitions.SweepCutoff(now);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {ExpiryPrefix} and PartitionKey lt {ExpiryPrefix + RecordPartitions.ExpiredBound(now)}");
        var deleted = 0;
        var pages = table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
        await foreach (var page in pages.AsPages())
        {
            foreach (var expiry in page.Values)
            {
                var split = expiry.RowKey.IndexOf(KeySeparator, StringComparison.Ordinal);
                if (split < 0)
                {
                    // Not an expiry row Shroud wrote: it names no conversation, and goes with the other expired rows below.
                    continue;
                }

                var (appId, conversationId) = (expiry.RowKey[..split], expiry.RowKey[(split + 1)..]);
                var row = await table.GetEntityIfExistsAsync<TableEntity>(appId, conversationId, cancellationToken: cancellationToken);
                if (row.HasValue && row.Value!.GetDateTimeOffset("ExpiresAt") < cutoff)
                {
                    deleted += await DeleteIfUnchangedAsync(row.Value, cancellationToken);
                }
            }

            await table.DeleteRowsAsync(page.Values, cancellationToken);
        }

        return deleted;
    }

    private async Task<int> DeleteIfUnchangedAsync(TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            return (await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken)).Status != 404 ? 1 : 0;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Started again since it was read: it now has a later expiry and an expiry row of its own.
            return 0;
        }
    }

    private static string ExpiryPartition(DateTimeOffset expiresAt) => $"{ExpiryPrefix}{expiresAt.UtcDateTime:yyyyMMddHHmm}";

    private static ConversationEncryption FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("ConfigurationId") ?? "",
        entity.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("ExpiresAt"),
        entity.GetDateTimeOffset("EndedAt"));
}
