namespace Shroud.Core;

/// <summary>Service settings (section <c>Shroud</c>).</summary>
public sealed class ShroudOptions
{
    public const string SectionName = "Shroud";

    /// <summary>Operator key that may create apps and manage any app's API keys (<c>Shroud__BootstrapAdminKey</c>).</summary>
    public string? BootstrapAdminKey { get; set; }

    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The highest <see cref="MaxTtl"/> and <see cref="ConversationTtl"/> allowed: ten years keeps every expiry, KEK
    /// destroy time and expiry partition key far inside the dates Table Storage and the partition layout hold.
    /// </summary>
    public static readonly TimeSpan LongestTtl = TimeSpan.FromDays(3650);

    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Largest plaintext value in UTF-8 bytes; a sealed value must fit one 64 KiB binary table property.</summary>
    public int MaxValueBytes { get; set; } = 60 * 1024;

    /// <summary>Largest media upload in bytes (100 MiB by default).</summary>
    public long MaxMediaBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// How long a conversation's started encryption lasts (starting it again renews it); then its state is swept and
    /// the app's default configuration applies again.
    /// </summary>
    public TimeSpan ConversationTtl { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an instance trusts its cached app KEKs and API keys before reading them again.</summary>
    public TimeSpan CacheRefresh { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an app KEK seals new values before the next version takes over.</summary>
    public TimeSpan KekActivePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long audit records are kept, independent of data TTLs.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>The maintenance job's settings (section <c>Maintenance</c>).</summary>
public sealed class MaintenanceOptions
{
    public const string SectionName = "Maintenance";

    /// <summary>
    /// NCRONTAB expression (six fields, with seconds, as Azure Functions timers use) of the KEK work: rotation,
    /// destruction and re-wrap; default daily at 00:00 UTC.
    /// </summary>
    public string Schedule { get; set; } = "0 0 0 * * *";

    /// <summary>NCRONTAB expression of the sweep of expired records; default every 5 minutes.</summary>
    public string SweepSchedule { get; set; } = "0 */5 * * * *";
}
