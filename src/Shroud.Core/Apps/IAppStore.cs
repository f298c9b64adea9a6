using System.Security.Cryptography;
using Azure;
using Shroud.Core.Configurations;
using Shroud.Core.Crypto;

namespace Shroud.Core.Apps;

/// <summary>
/// One stored, still-wrapped version of an app KEK; <paramref name="DestroyAt"/> is set when it is retired.
/// <paramref name="MaxTtl"/> is the longest TTL it may seal, the <see cref="ShroudOptions.MaxTtl"/> in force where it
/// was made (none on versions made before it was recorded).
/// </summary>
public sealed record StoredKek(
    string AppId,
    int Version,
    byte[] WrappedKey,
    string RootKeyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RetiredAt = null,
    DateTimeOffset? DestroyAt = null,
    ETag ETag = default,
    TimeSpan? MaxTtl = null)
{
    /// <summary>A new version: a fresh key, wrapped by the active root key and zeroed at once; the only place app KEKs are made.</summary>
    public static StoredKek Create(RootKeyRing rootKeys, string appId, int version, DateTimeOffset now, TimeSpan maxTtl)
    {
        var key = Aead.NewKey();
        try
        {
            return new StoredKek(appId, version, rootKeys.Wrap(appId, version, key), rootKeys.ActiveKeyId, now, MaxTtl: maxTtl);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}

/// <summary>An app's own settings, from its app row.</summary>
public sealed record AppSettings(string AppId, DateTimeOffset CreatedAt, string? DefaultConfigurationId, string RedactionText, ETag ETag = default)
{
    public const string DefaultRedaction = "★★★★★";
}

/// <summary>One app as operators see it in a listing: no settings, no keys.</summary>
public sealed record AppSummary(string AppId, DateTimeOffset CreatedAt);

/// <summary>A page of apps and the token of the next page (null on the last one).</summary>
public sealed record AppPage(IReadOnlyList<AppSummary> Apps, string? ContinuationToken);

/// <summary>Everything the service needs of one app at request time, read with one query.</summary>
public sealed record StoredApp(AppSettings Settings, IReadOnlyList<StoredKek> Keks, IReadOnlyList<EncryptionConfiguration> Configurations);

/// <summary>The apps: each app's settings and its KEK versions, changed only under optimistic concurrency.</summary>
public interface IAppStore
{
    /// <summary>Creates the app and its first KEK atomically; <see cref="ShroudError.AppExists"/> when the id is taken.</summary>
    Task CreateAppAsync(string appId, StoredKek firstKek, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The app's settings, configurations and KEK versions in one read; null when the app does not exist.</summary>
    Task<StoredApp?> LoadAsync(string appId, CancellationToken cancellationToken);

    /// <summary>The app's settings; <see cref="ShroudError.AppNotFound"/> when there is no such app.</summary>
    Task<AppSettings> GetSettingsAsync(string appId, CancellationToken cancellationToken);

    /// <summary>Writes the app's settings if they still have the ETag they were read with; false otherwise.</summary>
    Task<bool> UpdateSettingsAsync(AppSettings settings, CancellationToken cancellationToken);

    /// <summary>Every KEK version of the app, oldest first; empty when the app does not exist.</summary>
    Task<IReadOnlyList<StoredKek>> ListKeksAsync(string appId, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListAppIdsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One page of at most <paramref name="maxPerPage"/> apps, from <paramref name="continuationToken"/> (null: the first page);
    /// a page may be short, or empty, and still have a next one. <see cref="ShroudError.ValidationFailed"/> for a token
    /// that no earlier page returned.
    /// </summary>
    Task<AppPage> ListAppsAsync(string? continuationToken, int maxPerPage, CancellationToken cancellationToken);

    /// <summary>Retires <paramref name="retiring"/> and adds <paramref name="next"/> atomically, if <paramref name="retiring"/> is unchanged; false when another instance rotated first.</summary>
    Task<bool> RotateAsync(StoredKek retiring, StoredKek next, CancellationToken cancellationToken);

    /// <summary>Deletes a KEK version if it is unchanged since it was read; false when it is already gone or changed.</summary>
    Task<bool> DestroyAsync(StoredKek kek, CancellationToken cancellationToken);

    /// <summary>Stores a KEK version re-wrapped under another root key, if unchanged since it was read.</summary>
    Task<bool> ReplaceWrappingAsync(StoredKek kek, CancellationToken cancellationToken);
}
