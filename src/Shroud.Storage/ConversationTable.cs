using Azure.Data.Tables;
using Shroud.Core.Conversations;

namespace Shroud.Storage;

/// <summary>The conversations table: one row per conversation with encryption started, in its app's partition.</summary>
public sealed class ConversationTable(TableClient table) : IConversationStore
{
    public async Task StartAsync(string appId, ConversationEncryption state, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(
            new TableEntity(appId, state.ConversationId) { ["ConfigurationId"] = state.ConfigurationId, ["StartedAt"] = state.StartedAt },
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<bool> EndAsync(string appId, string conversationId, CancellationToken cancellationToken) =>
        (await table.DeleteEntityAsync(appId, conversationId, cancellationToken: cancellationToken)).Status != 404;

    public async Task<ConversationEncryption?> GetAsync(string appId, string conversationId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(appId, conversationId, cancellationToken: cancellationToken);
        return entity.HasValue
            ? new ConversationEncryption(conversationId, entity.Value!.GetString("ConfigurationId") ?? "", entity.Value.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue)
            : null;
    }
}
