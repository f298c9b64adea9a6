using Microsoft.Extensions.Options;

namespace Shroud.Storage;

/// <summary>Where Shroud's tables live (section <c>Storage</c>): a connection string, or a table endpoint reached with managed identity.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>For example <c>UseDevelopmentStorage=true</c>; takes precedence over <see cref="TableEndpoint"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For example <c>https://account.table.core.windows.net</c>, used with managed identity.</summary>
    public string? TableEndpoint { get; set; }

    /// <summary>For example <c>https://account.blob.core.windows.net</c>, used with managed identity for media.</summary>
    public string? BlobEndpoint { get; set; }

    /// <summary>For example <c>https://account.queue.core.windows.net</c>, used with managed identity for the delivery queue.</summary>
    public string? QueueEndpoint { get; set; }

    /// <summary>The queue of webhook deliveries to bots (<c>Storage__DeliveryQueue</c>); the Functions queue trigger names the same setting.</summary>
    public string DeliveryQueue { get; set; } = "shroud-deliveries";

    /// <summary>Client id of a user-assigned managed identity; empty for the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Prefix of every table name and of the media container, so several deployments (or test runs) can share an account.</summary>
    public string TablePrefix { get; set; } = "shroud";
}

/// <summary>Start-up check of the storage settings, naming the setting that is missing or wrong.</summary>
public sealed class StorageOptionsValidation : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (string.IsNullOrEmpty(options.ConnectionString)
            && !(Uri.TryCreate(options.TableEndpoint, UriKind.Absolute, out _) && Uri.TryCreate(options.BlobEndpoint, UriKind.Absolute, out _)
                 && Uri.TryCreate(options.QueueEndpoint, UriKind.Absolute, out _)))
        {
            return ValidateOptionsResult.Fail(
                $"Set {StorageOptions.SectionName}__ConnectionString, or {StorageOptions.SectionName}__TableEndpoint, {StorageOptions.SectionName}__BlobEndpoint and {StorageOptions.SectionName}__QueueEndpoint to absolute URLs for managed identity.");
        }

        // Queue names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit;
        // 7 are kept for the poison queue's "-poison".
        if (options.DeliveryQueue is not { Length: >= 3 and <= 56 } queue || !queue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || queue[0] == '-' || queue[^1] == '-' || queue.Contains("--", StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Fail($"Setting {StorageOptions.SectionName}__DeliveryQueue must be 3 to 56 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.");
        }

        return string.IsNullOrEmpty(options.TablePrefix) || !options.TablePrefix.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.TablePrefix[0]) || options.TablePrefix.Length > 50
            ? ValidateOptionsResult.Fail($"Setting {StorageOptions.SectionName}__TablePrefix must be 1 to 50 letters and digits, starting with a letter.")
            : ValidateOptionsResult.Success;
    }
}
