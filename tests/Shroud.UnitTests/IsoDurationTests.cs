using Shroud.Core;

namespace Shroud.UnitTests;

public sealed class IsoDurationTests
{
    public static TheoryData<string, TimeSpan> FixedLengthDurations() => new()
    {
        { "PT90M", TimeSpan.FromMinutes(90) },
        { "P1DT2H", TimeSpan.FromHours(26) },
        { "P1W", TimeSpan.FromDays(7) },
        { "P2W3D", TimeSpan.FromDays(17) },
        { "PT1H", TimeSpan.FromHours(1) },
        { "P1D", TimeSpan.FromDays(1) },
        { "PT1.5S", TimeSpan.FromSeconds(1.5) },
        { "PT0,25S", TimeSpan.FromSeconds(0.25) },
        { "P1DT1H1M1S", new TimeSpan(1, 1, 1, 1) },
        { "PT36H", TimeSpan.FromHours(36) },
    };

    [Theory]
    [MemberData(nameof(FixedLengthDurations))]
    public void Every_fixed_length_duration_parses(string text, TimeSpan expected)
    {
        Assert.Equal(expected, IsoDuration.Parse(text, out var error));
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("P1Y2M3D")]
    [InlineData("P1MT1H")]
    public void Months_and_years_are_refused_saying_why(string text)
    {
        Assert.Null(IsoDuration.Parse(text, out var error));
        Assert.Contains("calendar", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("1 hour")]
    [InlineData("-PT1H")]
    [InlineData("pt1h")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("P\u0661D")]
    public void Anything_else_is_refused(string text)
    {
        Assert.Null(IsoDuration.Parse(text, out var error));
        Assert.Contains("ISO-8601", error);
    }

    [Fact]
    public void A_duration_too_long_for_a_timespan_is_refused_not_thrown()
    {
        Assert.Null(IsoDuration.Parse("P999999999W", out var error));
        Assert.Contains("too long", error);
    }
}
