using Shroud.Core;
using Shroud.Core.Media;

namespace Shroud.UnitTests.Settings;

public sealed class ShroudSettingsValidationTests
{
    private static ShroudOptions Valid() => new() { BootstrapAdminKey = "a-bootstrap-key-long-enough" };

    private static string? Failure(ShroudOptions options) => new ShroudSettingsValidation().Validate(null, options).FailureMessage;

    [Fact]
    public void The_defaults_are_valid() => Assert.Null(Failure(Valid()));

    [Theory]
    [InlineData("3650.00:00:00", null)]
    [InlineData("3650.00:00:01", "Shroud__MaxTtl")]
    [InlineData("10675199.00:00:00", "Shroud__MaxTtl")]
    public void MaxTtl_is_bounded_so_every_expiry_and_destroy_time_is_a_valid_date(string maxTtl, string? refusedSetting)
    {
        var options = Valid();
        options.MaxTtl = TimeSpan.Parse(maxTtl, System.Globalization.CultureInfo.InvariantCulture);

        var failure = Failure(options);

        if (refusedSetting is null)
        {
            Assert.Null(failure);
            Assert.True(DateTimeOffset.MaxValue - DateTimeOffset.UtcNow > options.MaxTtl + options.CacheRefresh + TimeSpan.FromDays(365 * 100));
        }
        else
        {
            Assert.Contains(refusedSetting, failure);
        }
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("3651.00:00:00")]
    public void ConversationTtl_outside_one_second_to_ten_years_is_refused_by_name(string conversationTtl)
    {
        var options = Valid();
        options.ConversationTtl = TimeSpan.Parse(conversationTtl, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Contains("Shroud__ConversationTtl", Failure(options));
    }

    [Fact]
    public void MaxMediaBytes_beyond_the_segment_counter_is_refused_by_name()
    {
        var options = Valid();
        options.MaxMediaBytes = SegmentedAead.MaxPlaintextLength() + 1;

        Assert.Contains("Shroud__MaxMediaBytes", Failure(options));
        options.MaxMediaBytes = SegmentedAead.MaxPlaintextLength();
        Assert.Null(Failure(options));
    }
}
