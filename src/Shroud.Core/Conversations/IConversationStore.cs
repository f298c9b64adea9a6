namespace Shroud.Core.Conversations;

/// <summary>
/// A conversation in which a bot started encryption with a chosen configuration, until <paramref name="ExpiresAt"/>
/// (<see cref="ShroudOptions.ConversationTtl"/> after the start; none for a row written before conversations expired), or
/// until <paramref name="EndedAt"/> when the bot ended it (the ended state is kept until its expiry, so a late judgement
/// of a message received while it was on still finds it).
/// </summary>
public sealed record ConversationEncryption(string ConversationId, string ConfigurationId, DateTimeOffset StartedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? EndedAt = null)
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

    /// <summary>
    /// The conversation's state; null when encryption was not started, was ended or has expired. With
    /// <paramref name="since"/>: the state if encryption was on at any moment from then until now.
    /// </summary>
    Task<ConversationEncryption?> GetAsync(string appId, string conversationId, CancellationToken cancellationToken, DateTimeOffset? since = null);

    /// <summary>Whether a conversation of the app that has not expired still uses the configuration.</summary>
    Task<bool> UsesConfigurationAsync(string appId, string configurationId, CancellationToken cancellationToken);

    /// <summary>Deletes the state of every conversation that expired before the start of <paramref name="now"/>'s minute; returns how many.</summary>
    Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
