using System.Text.Json.Nodes;

namespace Shroud.Client;

public sealed partial class ShroudClient
{
    private const string MergePatchMediaType = "application/merge-patch+json";

    /// <summary>The app's settings with their ETag (permission <c>configure</c>).</summary>
    public async Task<AppSettings> GetAppSettingsAsync(CancellationToken cancellationToken = default)
    {
        var (settings, etag) = await SendJsonAsync<AppSettings>(Request(HttpMethod.Get, AppPath(), null, safeToRepeat: true), cancellationToken);
        return settings with { ETag = etag };
    }

    /// <summary>Makes a configuration the app's default (null: none); with <paramref name="ifMatch"/>, only if the settings are still that version.</summary>
    public Task<AppSettings> SetDefaultConfigurationAsync(string? configurationId, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        PatchAppAsync(new JsonObject { ["defaultConfigurationId"] = configurationId }, ifMatch, cancellationToken);

    /// <summary>Sets the text answered in place of expired values (null: back to ★★★★★).</summary>
    public Task<AppSettings> SetRedactionTextAsync(string? redactionText, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        PatchAppAsync(new JsonObject { ["redactionText"] = redactionText }, ifMatch, cancellationToken);

    private async Task<AppSettings> PatchAppAsync(JsonObject patch, string? ifMatch, CancellationToken cancellationToken)
    {
        var (settings, etag) = await SendJsonAsync<AppSettings>(
            Request(HttpMethod.Patch, AppPath(), Json(patch), safeToRepeat: false, ifMatch), cancellationToken);
        return settings with { ETag = etag };
    }

    /// <summary>The app's encryption configurations (permission <c>configure</c>); read one alone for its ETag.</summary>
    public async Task<IReadOnlyList<Configuration>> ListConfigurationsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<Configuration>>(AppPath("/configurations"), cancellationToken)).Items;

    public async Task<Configuration> GetConfigurationAsync(string configurationId, CancellationToken cancellationToken = default)
    {
        var (configuration, etag) = await SendJsonAsync<Configuration>(
            Request(HttpMethod.Get, ConfigurationPath(configurationId), null, safeToRepeat: true), cancellationToken);
        return configuration with { ETag = etag };
    }

    public async Task<Configuration> CreateConfigurationAsync(ConfigurationSettings settings, CancellationToken cancellationToken = default)
    {
        var (configuration, etag) = await SendJsonAsync<Configuration>(
            Request(HttpMethod.Post, AppPath("/configurations"), Json(settings), safeToRepeat: false), cancellationToken);
        return configuration with { ETag = etag };
    }

    /// <summary>
    /// Replaces a configuration's settings. With <paramref name="ifMatch"/> (a <see cref="Configuration.ETag"/>), only if
    /// it is still that version: a stale one throws <see cref="ShroudException"/> with code <c>precondition_failed</c> (412).
    /// </summary>
    public async Task<Configuration> ReplaceConfigurationAsync(
        string configurationId, ConfigurationSettings settings, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var (configuration, etag) = await SendJsonAsync<Configuration>(
            Request(HttpMethod.Put, ConfigurationPath(configurationId), Json(settings), safeToRepeat: false, ifMatch), cancellationToken);
        return configuration with { ETag = etag };
    }

    /// <summary>Changes the fields <paramref name="patch"/> names (a JSON merge patch: null resets one to its default).</summary>
    public async Task<Configuration> PatchConfigurationAsync(
        string configurationId, JsonObject patch, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var (configuration, etag) = await SendJsonAsync<Configuration>(
            Request(HttpMethod.Patch, ConfigurationPath(configurationId), Json(patch, MergePatchMediaType), safeToRepeat: false, ifMatch), cancellationToken);
        return configuration with { ETag = etag };
    }

    /// <summary>Deletes a configuration that is neither the default nor in use (else <c>configuration_in_use</c>, 409).</summary>
    public Task DeleteConfigurationAsync(string configurationId, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendEmptyAsync(Request(HttpMethod.Delete, ConfigurationPath(configurationId), null, safeToRepeat: false, ifMatch), cancellationToken);

    private string ConfigurationPath(string configurationId) => AppPath("/configurations/" + Uri.EscapeDataString(configurationId));
}
