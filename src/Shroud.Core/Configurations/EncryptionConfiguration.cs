using Azure;

namespace Shroud.Core.Configurations;

/// <summary>An administrator's decision of what is sensitive in a conversation, and for how long sealed values live.</summary>
public sealed record EncryptionConfiguration(
    string Id,
    string Name,
    bool EncryptUserMessages,
    bool EncryptBotMessages,
    bool EncryptAgentMessages,
    bool Transport,
    bool Transcript,
    bool EncryptMedia,
    IReadOnlyList<string> SensitiveVariables,
    TimeSpan? Ttl,
    ETag ETag = default);

/// <summary>The encryption configurations of each app: names unique per app, changes guarded by ETags.</summary>
public interface IConfigurationStore
{
    /// <summary>Stores a new configuration; <see cref="ShroudError.ConfigurationNameTaken"/> when its name is in use.</summary>
    Task<EncryptionConfiguration> CreateAsync(string appId, EncryptionConfiguration configuration, CancellationToken cancellationToken);

    Task<EncryptionConfiguration?> GetAsync(string appId, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<EncryptionConfiguration>> ListAsync(string appId, CancellationToken cancellationToken);

    /// <summary>Replaces a configuration if it still has <paramref name="ifMatch"/> (any version when null).</summary>
    Task<EncryptionConfiguration> ReplaceAsync(string appId, EncryptionConfiguration updated, ETag? ifMatch, CancellationToken cancellationToken);

    /// <summary>Deletes a configuration unless it is the app's default or a conversation uses it (<see cref="ShroudError.ConfigurationInUse"/>).</summary>
    Task DeleteAsync(string appId, string id, ETag? ifMatch, CancellationToken cancellationToken);
}

/// <summary>Configuration ids: 16 lower-case hex digits, drawn at random.</summary>
public static class ConfigurationIds
{
    public static bool IsValid(string id) => id.Length == 16 && id.All(char.IsAsciiHexDigitLower);

    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
}
