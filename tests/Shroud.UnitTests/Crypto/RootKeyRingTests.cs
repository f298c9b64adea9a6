using Shroud.Core.Crypto;

namespace Shroud.UnitTests.Crypto;

public sealed class RootKeyRingTests
{
    private static string NewKey() => Convert.ToBase64String(Aead.NewKey());

    private static RootKeyOptions Options(string active, params string[] ids) =>
        new() { ActiveKeyId = active, Keys = ids.ToDictionary(id => id, _ => NewKey()) };

    [Fact]
    public void Wrapped_kek_unwraps_only_for_its_app_and_version()
    {
        var ring = new RootKeyRing(Microsoft.Extensions.Options.Options.Create(Options("k1", "k1")));
        var kek = Aead.NewKey();
        var wrapped = ring.Wrap("acme", 2, kek);

        Assert.Equal(kek, ring.Unwrap("acme", 2, "k1", wrapped));
        Assert.Throws<InvalidOperationException>(() => ring.Unwrap("acme", 3, "k1", wrapped));
        Assert.Throws<InvalidOperationException>(() => ring.Unwrap("other", 2, "k1", wrapped));
    }

    [Fact]
    public void Unwrapping_with_a_root_key_that_is_not_configured_names_the_key_id()
    {
        var ring = new RootKeyRing(Microsoft.Extensions.Options.Options.Create(Options("k1", "k1")));

        var error = Assert.Throws<InvalidOperationException>(() => ring.Unwrap("acme", 1, "k0", new byte[60]));
        Assert.Contains("'k0'", error.Message);
    }

    [Theory]
    [InlineData(null, "RootKeys__ActiveKeyId")]
    [InlineData("missing", "RootKeys__ActiveKeyId")]
    public void Validation_names_the_setting(string? active, string setting)
    {
        var options = Options("k1", "k1");
        options.ActiveKeyId = active;

        Assert.Contains(setting, RootKeyRing.Validate(options));
    }

    [Fact]
    public void A_key_that_is_not_32_bytes_is_rejected_by_name()
    {
        var options = new RootKeyOptions { ActiveKeyId = "k1", Keys = { ["k1"] = Convert.ToBase64String(new byte[16]) } };

        Assert.Contains("RootKeys__Keys__k1", RootKeyRing.Validate(options));
        Assert.Contains("RootKeys__Keys__<id>", RootKeyRing.Validate(new RootKeyOptions()));
        Assert.Null(RootKeyRing.Validate(Options("k2", "k1", "k2")));
    }
}
