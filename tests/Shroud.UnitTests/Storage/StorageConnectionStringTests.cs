using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class StorageConnectionStringTests
{
    private const string Key = StorageConnectionString.DevelopmentStorageAccountKey;

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData(" usedevelopmentstorage = TRUE ; ")]
    public void Development_storage_uses_the_azurite_defaults(string connectionString)
    {
        var parsed = StorageConnectionString.Parse(connectionString);

        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.Equal(Key, parsed.AccountKey);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), parsed.TableEndpoint);
    }

    [Fact]
    public void Explicit_table_endpoint_is_used_path_style()
    {
        var parsed = StorageConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:12345/devstoreaccount1/;");

        Assert.Equal("http://127.0.0.1:12345/devstoreaccount1", parsed.TableEndpoint.AbsoluteUri);
        Assert.Equal(Key, parsed.AccountKey);
    }

    [Theory]
    [InlineData("AccountName=acct;AccountKey={0}", "https://acct.table.core.windows.net/")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={0};EndpointSuffix=core.chinacloudapi.cn", "https://acct.table.core.chinacloudapi.cn/")]
    public void Endpoint_is_built_from_account_and_suffix(string format, string expected)
    {
        var parsed = StorageConnectionString.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Key));

        Assert.Equal(expected, parsed.TableEndpoint.AbsoluteUri);
        Assert.Equal("acct", parsed.AccountName);
    }

    [Theory]
    [InlineData("AccountName=acct")]
    [InlineData("AccountKey={0}")]
    [InlineData("AccountName=acct;AccountKey=not*base64{0}")]
    [InlineData("AccountName=acct;AccountKey={0};TableEndpoint=ftp://x/{0}")]
    [InlineData("AccountName=acct;{0}")]
    public void Invalid_strings_fail_without_echoing_the_key(string format)
    {
        var error = Assert.Throws<FormatException>(() => StorageConnectionString.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Key)));

        Assert.DoesNotContain(Key[..10], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_doubles_single_quotes()
    {
        Assert.Equal("'O''Neil''s'", TableFilter.Quote("O'Neil's"));
        Assert.Equal("''", TableFilter.Quote(""));
    }
}
