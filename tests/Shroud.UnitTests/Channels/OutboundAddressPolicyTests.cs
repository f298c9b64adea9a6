using System.Net;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.UnitTests.Channels;

public sealed class OutboundAddressPolicyTests
{
    private static OutboundAddressPolicy Policy(string? allow = null) =>
        new(Options.Create(new ChannelOptions { AllowForwardTo = allow }));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.100.100.200")]
    [InlineData("169.254.169.254")]
    [InlineData("168.63.129.16")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1%2")]
    [InlineData("ff02::1")]
    public void Loopback_private_link_local_and_metadata_addresses_are_refused_at_connect_time(string address)
    {
        Assert.False(Policy().IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::6810:84e5")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.True(Policy().IsAllowed(IPAddress.Parse(address)));
    }

    [Fact]
    public void The_setting_allows_the_ranges_and_addresses_it_names_and_no_others()
    {
        var policy = Policy("127.0.0.0/8, ::1, 10.20.0.0/16");

        Assert.True(policy.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::1")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("10.20.1.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.21.1.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("169.254.169.254")));
    }

    [Theory]
    [InlineData("https://bot.example.com/in?x=1")]
    [InlineData("https://93.184.215.14:8443/in")]
    public void Public_https_urls_pass(string url)
    {
        Assert.Equal(new Uri(url), Policy().Check("forwardUrl", url));
    }

    [Theory]
    [InlineData("http://bot.example.com/in")]
    [InlineData("https://localhost/in")]
    [InlineData("https://app.localhost/in")]
    [InlineData("https://metadata.google.internal/")]
    [InlineData("https://printer.local/")]
    [InlineData("https://intranet/")]
    [InlineData("https://2130706433/")]
    [InlineData("https://0177.0.0.1/")]
    [InlineData("https://[::ffff:a9fe:a9fe]/")]
    [InlineData("https://bot.example.com/in#fragment")]
    [InlineData("https://a:b@bot.example.com/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("")]
    public void Urls_into_the_network_or_without_https_are_refused_naming_the_field(string url)
    {
        var refused = Assert.Throws<ShroudException>(() => Policy().Check("forwardUrl", url));

        Assert.Equal(ShroudError.ValidationFailed, refused.Error);
        Assert.Contains("forwardUrl", refused.Errors!.Keys);
    }

    [Fact]
    public void Http_passes_only_to_what_the_setting_names()
    {
        var policy = Policy("127.0.0.0/8,::1,bot.internal");

        Assert.Equal("http://127.0.0.1:5005/in", policy.Check("forwardUrl", "http://127.0.0.1:5005/in").AbsoluteUri);
        Assert.Equal("http://[::1]:5005/in", policy.Check("forwardUrl", "http://[::1]:5005/in").AbsoluteUri);
        Assert.Equal("http://bot.internal/in", policy.Check("forwardUrl", "http://BOT.internal/in").AbsoluteUri);
        Assert.Throws<ShroudException>(() => policy.Check("forwardUrl", "http://localhost:5005/in"));
        Assert.Throws<ShroudException>(() => policy.Check("forwardUrl", "http://bot.example.com/in"));
    }

    [Theory]
    [InlineData("127.0.0.0/8,::1", true)]
    [InlineData("bot.internal, 10.0.0.1", true)]
    [InlineData("", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("not a host", false)]
    public void The_setting_is_validated_at_start(string value, bool valid)
    {
        var result = new ChannelOptionsValidation().Validate(null, new ChannelOptions { AllowForwardTo = value });

        Assert.Equal(valid, result.Succeeded);
    }
}
