using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class SharedKeyPolicyTests
{
    private static readonly SharedKeyPolicy Policy = new(
        StorageConnectionString.DevelopmentStorageAccountName, Convert.FromBase64String(StorageConnectionString.DevelopmentStorageAccountKey));

    private const string Date = "Sat, 21 Nov 2026 14:00:00 GMT";

    [Fact]
    public void String_to_sign_uses_the_escaped_path_style_resource()
    {
        var uri = new Uri("http://127.0.0.1:10002/devstoreaccount1/" + TablePipeline.EntityPath("t1", "a'b", "r") + "?$select=A");

        var stringToSign = Policy.StringToSign("GET", null, Date, uri);

        Assert.Equal($"GET\n\n\n{Date}\n/devstoreaccount1/devstoreaccount1/t1(PartitionKey='a%27%27b',RowKey='r')", stringToSign);
        // Reference value computed independently (Python hmac/sha256 over the same string with the development key).
        Assert.Equal("eicpWKI5ykDfGWpf9/WFGTGyWqH8mNzRjT37VoM3q/M=", Policy.Sign(stringToSign));
    }

    [Fact]
    public void String_to_sign_includes_content_type_and_comp_only()
    {
        var uri = new Uri("https://acct.table.core.windows.net/t1?comp=acl&timeout=30");

        Assert.Equal(
            $"PUT\n\napplication/json\n{Date}\n/devstoreaccount1/t1?comp=acl",
            Policy.StringToSign("PUT", "application/json", Date, uri));
    }
}
