using Shroud.Core.Apps;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Records;

namespace Shroud.Core.Events;

/// <summary>Which configuration applies to each conversation of a request, for chat events and channel webhooks alike.</summary>
public sealed class ConversationConfigurations(AppDirectory directory, IConversationStore conversations)
{
    /// <summary>
    /// Each conversation's configuration: the one it started, else the app's default, else none. A configuration that
    /// is named but missing from the cached app makes the app be read again; one that is gone even then is replaced by
    /// <see cref="SensitivityRules.Strictest"/>, never by a weaker one. <see cref="ShroudError.AppNotFound"/> when the
    /// app does not exist. An id no conversation can have (see <see cref="ConversationEncryption.IsValidId"/>) is not
    /// looked up: the default applies to it.
    /// </summary>
    public async Task<Dictionary<string, EncryptionConfiguration?>> ForAsync(string appId, IEnumerable<string> conversationIds, CancellationToken cancellationToken)
    {
        await directory.EnsureExistsAsync(appId, cancellationToken);
        var ids = conversationIds.Distinct().ToList();
        var states = new ConversationEncryption?[ids.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Vault.MaxConcurrentReads, CancellationToken = cancellationToken },
            async (i, ct) => states[i] = ConversationEncryption.IsValidId(ids[i]) ? await conversations.GetAsync(appId, ids[i], ct) : null);
        var app = await directory.GetAsync(appId, states.OfType<ConversationEncryption>().Select(s => s.ConfigurationId).ToList(), cancellationToken);
        if (app.Settings.DefaultConfigurationId is { } defaultId && !app.Configurations.ContainsKey(defaultId))
        {
            app = await directory.GetAsync(appId, [defaultId], cancellationToken);
        }

        EncryptionConfiguration? Named(string? id) =>
            id is null ? null : app.Configurations.GetValueOrDefault(id) ?? SensitivityRules.Strictest;
        return ids.Zip(states).ToDictionary(p => p.First, p => Named(p.Second?.ConfigurationId ?? app.Settings.DefaultConfigurationId));
    }
}
