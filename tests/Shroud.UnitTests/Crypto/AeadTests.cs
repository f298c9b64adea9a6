using Shroud.Core.Crypto;

namespace Shroud.UnitTests.Crypto;

public sealed class AeadTests
{
    [Fact]
    public void Output_is_nonce_ciphertext_and_tag()
    {
        var sealedData = Aead.Seal(Aead.NewKey(), new byte[10], []);

        Assert.Equal(Aead.NonceSize + 10 + Aead.TagSize, sealedData.Length);
    }

    [Fact]
    public void Other_associated_data_fails()
    {
        var key = Aead.NewKey();
        var sealedData = Aead.Seal(key, "x"u8, "one"u8);

        Assert.Throws<CryptoFailure>(() => Aead.Open(key, sealedData, "two"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(27)]
    public void Input_shorter_than_nonce_and_tag_fails_with_the_same_error(int length)
    {
        Assert.Throws<CryptoFailure>(() => Aead.Open(Aead.NewKey(), new byte[length], []));
    }

    [Fact]
    public void Associated_data_fields_cannot_be_shifted_into_each_other()
    {
        Assert.NotEqual(AssociatedData.For("p", "ab", "c"), AssociatedData.For("p", "a", "bc"));
        Assert.NotEqual(AssociatedData.For("p", "a"), AssociatedData.For("q", "a"));
    }

    [Fact]
    public void Associated_data_is_each_field_after_its_big_endian_length_with_numbers_as_eight_bytes()
    {
        // The layout every stored item was sealed with: it must never change.
        byte[] expected =
        [
            0, 0, 0, 1, (byte)'p',
            0, 0, 0, 3, (byte)'a', 0xC3, 0xA9,
            0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2,
            0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
            0, 0, 0, 2, 9, 8,
            0, 0, 0, 0,
        ];

        Assert.Equal(expected, AssociatedData.For("p", "aé", 258, -2L, new byte[] { 9, 8 }, ""));
    }
}
