using System.Text;
using System.Text.Json;
using Azure;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class EntityJsonTests
{
    [Fact]
    public void Write_annotates_types_json_cannot_carry()
    {
        var entity = new TableEntity("p", "r")
        {
            ["S"] = "x",
            ["I"] = 7,
            ["L"] = 1L << 60,
            ["B"] = false,
            ["D"] = 2.0,
            ["N"] = double.PositiveInfinity,
            ["T"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)).AddTicks(7),
            ["G"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            ["Y"] = new byte[] { 1, 2, 3 },
        };

        var json = Encoding.UTF8.GetString(EntityJson.Write(entity));

        Assert.Equal(
            """{"PartitionKey":"p","RowKey":"r","S":"x","I":7,"L@odata.type":"Edm.Int64","L":"1152921504606846976","B":false,"D@odata.type":"Edm.Double","D":2,"N@odata.type":"Edm.Double","N":"Infinity","T@odata.type":"Edm.DateTime","T":"2024-01-02T02:04:05.0000007Z","G@odata.type":"Edm.Guid","G":"0f8fad5b-d9cb-469f-a165-70867728950e","Y@odata.type":"Edm.Binary","Y":"AQID"}""",
            json);
    }

    [Fact]
    public void Read_types_annotated_minimal_metadata_values()
    {
        var entity = Read("""
            {"odata.metadata":"x","odata.etag":"W/\"datetime'2024'\"","PartitionKey":"p","RowKey":"r","Timestamp":"2024-01-02T03:04:05.1234567Z",
             "I":7,"L@odata.type":"Edm.Int64","L":"9","D@odata.type":"Edm.Double","D":2,"T@odata.type":"Edm.DateTime","T":"2024-01-02T03:04:05Z",
             "G@odata.type":"Edm.Guid","G":"0f8fad5b-d9cb-469f-a165-70867728950e","Y@odata.type":"Edm.Binary","Y":"AQID","N":null}
            """);

        Assert.Equal(("p", "r"), (entity.PartitionKey, entity.RowKey));
        Assert.Equal(new ETag("W/\"datetime'2024'\""), entity.ETag);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567), entity.Timestamp);
        Assert.Equal(7, Assert.IsType<int>(entity["I"]));
        Assert.Equal(9L, Assert.IsType<long>(entity["L"]));
        Assert.Equal(2.0, Assert.IsType<double>(entity["D"]));
        Assert.IsType<DateTimeOffset>(entity["T"]);
        Assert.IsType<Guid>(entity["G"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, Assert.IsType<byte[]>(entity["Y"]));
        Assert.False(entity.ContainsKey("N"));
        Assert.Equal(["I", "L", "D", "T", "G", "Y"], entity.Select(p => p.Key));
    }

    [Fact]
    public void Typed_getters_convert_no_metadata_strings()
    {
        var entity = Read("""
            {"PartitionKey":"p","RowKey":"r","L":"9007199254740993","T":"2024-01-02T03:04:05.1234567Z","Y":"AQID",
             "G":"0f8fad5b-d9cb-469f-a165-70867728950e","N":"NaN","I":5}
            """);

        Assert.Equal(9007199254740993L, entity.GetInt64("L"));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567), entity.GetDateTimeOffset("T"));
        Assert.Equal(new byte[] { 1, 2, 3 }, entity.GetBinary("Y"));
        Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), entity.GetGuid("G"));
        Assert.Equal(double.NaN, entity.GetDouble("N"));
        Assert.Equal(5L, entity.GetInt64("I"));
        Assert.Equal(5.0, entity.GetDouble("I"));
    }

    [Fact]
    public void Typed_getter_mismatch_names_the_property_but_not_the_value()
    {
        var entity = new TableEntity("p", "r") { ["Secret"] = "hunter2" };

        var error = Assert.Throws<InvalidOperationException>(() => entity.GetInt64("Secret"));

        Assert.Contains("Secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new TableEntity("p", "r") { ["I"] = 1 }.GetString("I"));
    }

    [Theory]
    [InlineData("PartitionKey")]
    [InlineData("RowKey")]
    [InlineData("Timestamp")]
    [InlineData("odata.etag")]
    [InlineData("X@odata.type")]
    [InlineData("")]
    public void Reserved_names_are_rejected(string name)
    {
        var entity = new TableEntity("p", "r");

        Assert.ThrowsAny<ArgumentException>(() => entity[name] = "x");
        Assert.ThrowsAny<ArgumentException>(() => entity[name]);
    }

    [Fact]
    public void Unsupported_types_are_rejected_and_null_removes()
    {
        var entity = new TableEntity("p", "r") { ["A"] = "a" };

        Assert.Throws<ArgumentException>(() => entity["B"] = DateTime.UtcNow);
        Assert.Throws<ArgumentException>(() => entity["B"] = 1.5m);
        entity["A"] = null;
        Assert.False(entity.ContainsKey("A"));
        Assert.Empty(entity);
    }

    private static TableEntity Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return EntityJson.Read(document.RootElement);
    }
}
