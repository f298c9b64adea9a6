using Shroud.Core.Access;

namespace Shroud.UnitTests.Access;

public sealed class ApiKeyTokenTests
{
    [Fact]
    public void New_key_parses_back_with_the_same_id_and_secret_hash()
    {
        var token = ApiKeyToken.New();

        Assert.True(ApiKeyToken.TryParse(token.Reveal(), out var parsed));
        Assert.Equal(token.KeyId, parsed.KeyId);
        Assert.Equal(token.SecretHash(), parsed.SecretHash());
    }

    [Fact]
    public void Keys_are_unique_and_their_text_form_hides_the_secret()
    {
        var first = ApiKeyToken.New();
        var second = ApiKeyToken.New();

        Assert.NotEqual(first.KeyId, second.KeyId);
        Assert.NotEqual(first.SecretHash(), second.SecretHash());
        Assert.DoesNotContain(first.Reveal()[20..], first.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("shk_")]
    [InlineData("shk_0123456789abcdefAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("shk_0123456789ABCDEFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("xyz_0123456789abcdefAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Malformed_keys_do_not_parse(string text)
    {
        Assert.False(ApiKeyToken.TryParse(text, out _));
    }
}
