using Microsoft.Extensions.Options;

namespace Shroud.Core.Channels;

/// <summary>Channel settings (section <c>Channels</c>).</summary>
public sealed class ChannelOptions
{
    public const string SectionName = "Channels";

    /// <summary>The addresses a Development host may forward to when <see cref="AllowForwardTo"/> is not set.</summary>
    public const string DevelopmentAllowForwardTo = "127.0.0.0/8,::1";

    /// <summary>
    /// Comma-separated CIDR ranges, addresses and host names a channel's <c>forwardUrl</c> and <c>apiBaseUrl</c> may
    /// name besides public https hosts, over http too (<c>Channels__AllowForwardTo</c>). Unset: nothing, except
    /// <see cref="DevelopmentAllowForwardTo"/> in Development.
    /// </summary>
    public string? AllowForwardTo { get; set; }

    /// <summary>Attempts to deliver one webhook to the bot before it is kept as failed (<c>Channels__DeliveryMaxAttempts</c>).</summary>
    public int DeliveryMaxAttempts { get; set; } = 8;

    /// <summary>
    /// The pause before the second attempt (<c>Channels__DeliveryRetryDelay</c>); it doubles with every further attempt,
    /// up to <see cref="MaxDeliveryRetryDelay"/>.
    /// </summary>
    public TimeSpan DeliveryRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan MaxDeliveryRetryDelay = TimeSpan.FromMinutes(10);

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (1 for the first).</summary>
    public TimeSpan RetryDelayAfter(int attempt)
    {
        var delay = DeliveryRetryDelay * Math.Pow(2, Math.Min(attempt - 1, 30));
        return delay < MaxDeliveryRetryDelay ? delay : MaxDeliveryRetryDelay;
    }
}

/// <summary>Refuses an <see cref="ChannelOptions.AllowForwardTo"/> entry that is neither a range, an address nor a host name.</summary>
public sealed class ChannelOptionsValidation : IValidateOptions<ChannelOptions>
{
    public ValidateOptionsResult Validate(string? name, ChannelOptions options)
    {
        foreach (var entry in OutboundAddressPolicy.Entries(options.AllowForwardTo))
        {
            if (!OutboundAddressPolicy.IsValidEntry(entry))
            {
                return ValidateOptionsResult.Fail(
                    $"Setting {ChannelOptions.SectionName}__AllowForwardTo: '{entry}' is not a CIDR range, an IP address or a host name.");
            }
        }

        if (options.DeliveryMaxAttempts is < 1 or > 100)
        {
            return ValidateOptionsResult.Fail($"Setting {ChannelOptions.SectionName}__DeliveryMaxAttempts must be 1 to 100.");
        }

        return options.DeliveryRetryDelay < TimeSpan.Zero || options.DeliveryRetryDelay > ChannelOptions.MaxDeliveryRetryDelay
            ? ValidateOptionsResult.Fail($"Setting {ChannelOptions.SectionName}__DeliveryRetryDelay must be between 00:00:00 and {ChannelOptions.MaxDeliveryRetryDelay:c}.")
            : ValidateOptionsResult.Success;
    }
}
