using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Caching;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Records;

namespace Shroud.Core.Events;

/// <summary>Which configuration applies to each conversation of a request, for chat events and channel webhooks alike.</summary>
public sealed class ConversationConfigurations : IDisposable
{
    /// <summary>The most conversation states one instance keeps for <see cref="ForAsync"/>'s cached reads.</summary>
    public const int MaxCachedConversations = 100_000;

    private readonly AppDirectory directory;
    private readonly IConversationStore conversations;
    private readonly TimeProvider clock;
    private readonly LoadingCache<(string AppId, string ConversationId), ConversationEncryption?> cache;

    public ConversationConfigurations(AppDirectory directory, IConversationStore conversations, IOptions<ShroudOptions> options, TimeProvider clock)
    {
        this.directory = directory;
        this.conversations = conversations;
        this.clock = clock;
        cache = new(
            clock,
            MaxCachedConversations,
            id => conversations.GetAsync(id.AppId, id.ConversationId, CancellationToken.None),
            _ => new CacheLifetime(options.Value.CacheRefresh));
    }

    /// <summary>
    /// Each conversation's configuration: the one it started, else the app's default, else none. A configuration that
    /// is named but missing from the cached app makes the app be read again; one that is gone even then is replaced by
    /// <see cref="SensitivityRules.Strictest"/>, never by a weaker one. <see cref="ShroudError.AppNotFound"/> when the
    /// app does not exist. An id no conversation can have (see <see cref="ConversationEncryption.IsValidId"/>) is not
    /// looked up: the default applies to it.
    /// </summary>
    /// <param name="cached">
    /// Read the conversations' states through this instance's cache: a start or end made here is seen at once, one made
    /// on another instance within <see cref="ShroudOptions.CacheRefresh"/>. Only for a caller that checks again later
    /// (the channel webhook, whose delivery consumer seals what the current state asks for before the bot sees it).
    /// </param>
    /// <param name="since">Storage reads only: a conversation whose encryption was on at any moment since then counts as started.</param>
    public async Task<Dictionary<string, EncryptionConfiguration?>> ForAsync(
        string appId, IEnumerable<string> conversationIds, CancellationToken cancellationToken, bool cached = false, DateTimeOffset? since = null)
    {
        await directory.EnsureExistsAsync(appId, cancellationToken);
        var ids = conversationIds.Distinct().ToList();
        var states = new ConversationEncryption?[ids.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Vault.MaxConcurrentReads, CancellationToken = cancellationToken },
            async (i, ct) => states[i] = ConversationEncryption.IsValidId(ids[i]) ? await ReadAsync(appId, ids[i], cached, since, ct) : null);
        var app = await directory.GetAsync(appId, states.OfType<ConversationEncryption>().Select(s => s.ConfigurationId).ToList(), cancellationToken);
        if (app.Settings.DefaultConfigurationId is { } defaultId && !app.Configurations.ContainsKey(defaultId))
        {
            app = await directory.GetAsync(appId, [defaultId], cancellationToken);
        }

        EncryptionConfiguration? Named(string? id) =>
            id is null ? null : app.Configurations.GetValueOrDefault(id) ?? SensitivityRules.Strictest;
        return ids.Zip(states).ToDictionary(p => p.First, p => Named(p.Second?.ConfigurationId ?? app.Settings.DefaultConfigurationId));
    }

    /// <summary>Drops a conversation whose encryption this instance started or ended, so cached reads see it at once.</summary>
    public void Forget(string appId, string conversationId) => cache.Forget((appId, conversationId));

    public void Dispose() => cache.Dispose();

    private async Task<ConversationEncryption?> ReadAsync(string appId, string conversationId, bool cached, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        if (!cached)
        {
            return await conversations.GetAsync(appId, conversationId, cancellationToken, since);
        }

        // A cached start may have expired since it was read, as the store's own read would say.
        var state = await cache.GetAsync((appId, conversationId)).WaitAsync(cancellationToken);
        return state is not null && !(state.ExpiresAt <= clock.GetUtcNow()) ? state : null;
    }
}
