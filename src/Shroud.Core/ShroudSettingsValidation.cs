using Microsoft.Extensions.Options;
using Shroud.Core.Crypto;
using Shroud.Core.Maintenance;
using Shroud.Core.Media;

namespace Shroud.Core;

/// <summary>Start-up checks that name the missing or wrong setting, so a host refuses to start rather than fail later.</summary>
public sealed class ShroudSettingsValidation
    : IValidateOptions<ShroudOptions>, IValidateOptions<RootKeyOptions>, IValidateOptions<MaintenanceOptions>
{
    public const int MinBootstrapKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, ShroudOptions options)
    {
        if (string.IsNullOrEmpty(options.BootstrapAdminKey) || options.BootstrapAdminKey.Length < MinBootstrapKeyLength)
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__BootstrapAdminKey is missing or shorter than {MinBootstrapKeyLength} characters.");
        }

        if (options.MaxTtl < TimeSpan.FromSeconds(1) || options.DefaultTtl < TimeSpan.FromSeconds(1) || options.DefaultTtl > options.MaxTtl)
        {
            return ValidateOptionsResult.Fail($"Settings {ShroudOptions.SectionName}__DefaultTtl and {ShroudOptions.SectionName}__MaxTtl must be at least one second, with the default not above the maximum.");
        }

        if (options.MaxTtl > ShroudOptions.LongestTtl)
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__MaxTtl must not exceed {ShroudOptions.LongestTtl.TotalDays} days.");
        }

        if (options.ConversationTtl < TimeSpan.FromSeconds(1) || options.ConversationTtl > ShroudOptions.LongestTtl)
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__ConversationTtl must be between one second and {ShroudOptions.LongestTtl.TotalDays} days.");
        }

        if (options.MaxMediaBytes < 1 || options.MaxMediaBytes > SegmentedAead.MaxPlaintextLength())
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__MaxMediaBytes must be between 1 and {SegmentedAead.MaxPlaintextLength()} (the segment counter's reach).");
        }

        if (options.KekActivePeriod < TimeSpan.FromMinutes(1) || options.CacheRefresh < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__KekActivePeriod must be at least one minute and {ShroudOptions.SectionName}__CacheRefresh not negative.");
        }

        if (options.AuditRetention < TimeSpan.FromDays(1))
        {
            return ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__AuditRetention must be at least one day.");
        }

        return options.MaxValueBytes is < 1 or > 63 * 1024
            ? ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__MaxValueBytes must be between 1 and {63 * 1024} (a sealed value fits one 64 KiB table property).")
            : ValidateOptionsResult.Success;
    }

    public ValidateOptionsResult Validate(string? name, RootKeyOptions options) =>
        RootKeyRing.Validate(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options) =>
        !MaintenanceSchedule.TryParse(options.Schedule, out _)
            ? ValidateOptionsResult.Fail($"Setting {MaintenanceOptions.SectionName}__Schedule must be an NCRONTAB expression such as '0 0 0 * * *' (second minute hour day month weekday).")
            : !MaintenanceSchedule.TryParse(options.SweepSchedule, out _)
                ? ValidateOptionsResult.Fail($"Setting {MaintenanceOptions.SectionName}__SweepSchedule must be an NCRONTAB expression such as '0 */5 * * * *' (second minute hour day month weekday).")
                : ValidateOptionsResult.Success;
}
