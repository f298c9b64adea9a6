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

        return ValidateOptionsResult.Success;
    }
}
