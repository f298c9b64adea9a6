namespace Shroud.Core.Conversations;

/// <summary>A conversation in which a bot started encryption with a chosen configuration.</summary>
public sealed record ConversationEncryption(string ConversationId, string ConfigurationId, DateTimeOffset StartedAt)
{
    public const int MaxIdLength = 256;

    /// <summary>Conversation ids are the chat platform's; any text a table row key can hold.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && !id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}

/// <summary>Which conversations have encryption started, per app.</summary>
public interface IConversationStore
{
    Task StartAsync(string appId, ConversationEncryption state, CancellationToken cancellationToken);

    /// <summary>Ends encryption; false when it was not started.</summary>
    Task<bool> EndAsync(string appId, string conversationId, CancellationToken cancellationToken);

    Task<ConversationEncryption?> GetAsync(string appId, string conversationId, CancellationToken cancellationToken);
}
