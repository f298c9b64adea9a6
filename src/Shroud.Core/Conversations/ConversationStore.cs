using Shroud.Storage;

namespace Shroud.Core.Conversations;

/// <summary>A conversation in which a bot started encryption with a chosen configuration.</summary>
public sealed record ConversationEncryption(string ConversationId, string ConfigurationId, DateTimeOffset StartedAt);

/// <summary>The conversations table: one row per conversation with encryption started, in its app's partition.</summary>
public sealed class ConversationStore(TableClient table)
{
    public const int MaxIdLength = 256;

    /// <summary>Conversation ids are the chat platform's; any text a table row key can hold.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && !id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));

    public async Task StartAsync(string appId, ConversationEncryption state, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(
            new TableEntity(appId, state.ConversationId) { ["ConfigurationId"] = state.ConfigurationId, ["StartedAt"] = state.StartedAt },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Ends encryption; false when it was not started.</summary>
    public Task<bool> EndAsync(string appId, string conversationId, CancellationToken cancellationToken) =>
        table.DeleteEntityAsync(appId, conversationId, ct: cancellationToken);

    public async Task<ConversationEncryption?> GetAsync(string appId, string conversationId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync(appId, conversationId, ct: cancellationToken);
        return entity is null
            ? null
            : new ConversationEncryption(conversationId, entity.GetString("ConfigurationId") ?? "", entity.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue);
    }
}
