namespace Shroud.Core;

/// <summary>Service settings (section <c>Shroud</c>).</summary>
public sealed class ShroudOptions
{
    public const string SectionName = "Shroud";

    /// <summary>Operator key that may create apps and manage any app's API keys (<c>Shroud__BootstrapAdminKey</c>).</summary>
    public string? BootstrapAdminKey { get; set; }

    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Largest plaintext value in UTF-8 bytes; a sealed value must fit one 64 KiB binary table property.</summary>
    public int MaxValueBytes { get; set; } = 60 * 1024;

    /// <summary>How long an instance trusts its cached app KEKs and API keys before reading them again.</summary>
    public TimeSpan CacheRefresh { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Where Shroud's tables live (section <c>Storage</c>): a connection string, or a table endpoint reached with managed identity.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>For example <c>UseDevelopmentStorage=true</c>; takes precedence over <see cref="TableEndpoint"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For example <c>https://account.table.core.windows.net</c>, used with managed identity.</summary>
    public string? TableEndpoint { get; set; }

    /// <summary>Client id of a user-assigned managed identity; empty for the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Prefix of every table name, so several deployments (or test runs) can share an account.</summary>
    public string TablePrefix { get; set; } = "shroud";
}
