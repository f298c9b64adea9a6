using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Shroud.Core.Channels;

/// <summary>
/// Which addresses a tenant may make Shroud call (a channel's <c>forwardUrl</c> and <c>apiBaseUrl</c>), so a channel
/// cannot be turned into a way into Shroud's network: https to public hosts, and anything else only where
/// <see cref="ChannelOptions.AllowForwardTo"/> names it. A host name is checked here as written; what it resolves to
/// can change after it is accepted (DNS rebinding), so whatever connects to it must check each resolved address with
/// <see cref="IsAllowed(IPAddress)"/> at connect time.
/// </summary>
public sealed class OutboundAddressPolicy(IOptions<ChannelOptions> options)
{
    public const int MaxUrlLength = 2048;

    // Not public unicast: "this" network, private, shared (CGNAT, also Alibaba's metadata 100.100.100.200), loopback,
    // link-local (cloud metadata 169.254.169.254), IETF protocol assignments, benchmarking, multicast, reserved and
    // broadcast; Azure's platform endpoint (wireserver) 168.63.129.16 is public address space yet reaches the host.
    private static readonly IPNetwork[] Restricted =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"), IPNetwork.Parse("168.63.129.16/32"),
        IPNetwork.Parse("::/127"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
        IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("2002::/16"),
    ];

    // Names that stand for this machine or a metadata service, and suffixes that only resolve inside a network.
    private static readonly string[] RestrictedNames = ["localhost", "metadata", "metadata.google.internal"];
    private static readonly string[] RestrictedSuffixes = [".localhost", ".local", ".internal", ".home.arpa"];

    /// <summary>Checks a URL a tenant gave for <paramref name="field"/>; <see cref="ShroudError.ValidationFailed"/> naming the field when it is refused.</summary>
    public Uri Check(string field, string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw ShroudException.Invalid(field, $"must be an absolute https URL of at most {MaxUrlLength} characters.");
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            throw ShroudException.Invalid(field, "must not carry user information or a fragment.");
        }

        var host = uri.DnsSafeHost.TrimEnd('.').ToLowerInvariant();
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is not null ? IsAllowedBySetting(address) : AllowedNames().Contains(host))
        {
            return uri;
        }

        if (uri.Scheme != "https")
        {
            throw ShroudException.Invalid(field, $"must be https; http only to addresses the setting {ChannelOptions.SectionName}__AllowForwardTo names.");
        }

        if (address is not null ? IsRestricted(address) : IsRestrictedName(host))
        {
            throw ShroudException.Invalid(field, $"names a loopback, private, link-local or metadata address, which only the setting {ChannelOptions.SectionName}__AllowForwardTo can allow.");
        }

        return uri;
    }

    /// <summary>Whether Shroud may connect to <paramref name="address"/>, as resolved when connecting.</summary>
    public bool IsAllowed(IPAddress address) => IsAllowedBySetting(address) || !IsRestricted(address);

    internal static IEnumerable<string> Entries(string? setting) =>
        (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static bool IsValidEntry(string entry) =>
        IPNetwork.TryParse(entry, out _) || IPAddress.TryParse(entry, out _) || Uri.CheckHostName(entry) == UriHostNameType.Dns;

    private bool IsAllowedBySetting(IPAddress address)
    {
        var normal = Normalize(address);
        foreach (var entry in Entries(options.Value.AllowForwardTo))
        {
            if ((IPNetwork.TryParse(entry, out var network) && network.Contains(normal))
                || (IPAddress.TryParse(entry, out var allowed) && Normalize(allowed).Equals(normal)))
            {
                return true;
            }
        }

        return false;
    }

    private HashSet<string> AllowedNames() =>
        Entries(options.Value.AllowForwardTo).Where(e => Uri.CheckHostName(e) == UriHostNameType.Dns).Select(e => e.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    private static bool IsRestricted(IPAddress address)
    {
        var normal = Normalize(address);
        return Restricted.Any(network => network.BaseAddress.AddressFamily == normal.AddressFamily && network.Contains(normal));
    }

    private static bool IsRestrictedName(string host) =>
        !host.Contains('.') || RestrictedNames.Contains(host) || RestrictedSuffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal));

    // An IPv4 address written as IPv6 (::ffff:a.b.c.d) reaches the IPv4 host, so it is judged as that host; the scope
    // id of a link-local IPv6 address does not change what it reaches.
    private static IPAddress Normalize(IPAddress address)
    {
        var normal = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return normal.AddressFamily == AddressFamily.InterNetworkV6 && normal.ScopeId != 0 ? new IPAddress(normal.GetAddressBytes()) : normal;
    }
}
