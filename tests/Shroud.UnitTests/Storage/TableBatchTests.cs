using System.Text;
using Azure;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class TableBatchTests
{
    private const string BaseUri = "http://127.0.0.1:10002/devstoreaccount1/";

    [Fact]
    public void Write_produces_one_changeset_with_a_part_per_action()
    {
        var (body, contentType) = TableBatch.Write(BaseUri, "t1",
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a") { ["V"] = 1 }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "b'c"), new ETag("W/\"1\"")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "d")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "e")),
        ]);
        var text = Encoding.UTF8.GetString(body);
        var batch = contentType["multipart/mixed; boundary=".Length..];
        var changeset = text.Split("boundary=")[1].Split("\r\n")[0];

        Assert.StartsWith("batch_", batch, StringComparison.Ordinal);
        Assert.StartsWith("changeset_", changeset, StringComparison.Ordinal);
        Assert.StartsWith($"--{batch}\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith($"--{changeset}--\r\n--{batch}--\r\n", text, StringComparison.Ordinal);
        Assert.Equal(5, text.Split($"--{changeset}").Length - 1);
        Assert.Contains($"POST {BaseUri}t1 HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"PATCH {BaseUri}t1(PartitionKey='p',RowKey='b%27%27c') HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("If-Match: W/\"1\"\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"PUT {BaseUri}t1(PartitionKey='p',RowKey='d') HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"DELETE {BaseUri}t1(PartitionKey='p',RowKey='e') HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("If-Match: *\r\n", text, StringComparison.Ordinal);
        Assert.Contains("""{"PartitionKey":"p","RowKey":"a","V":1}""", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("If-Match").Length - 1);
    }

    [Fact]
    public void ReadFailure_finds_status_code_and_action_index()
    {
        const string response =
            "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n" +
            "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 409 Conflict\r\nDataServiceVersion: 3.0;\r\nContent-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n" +
            "{\"odata.error\":{\"code\":\"EntityAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"56:The specified entity already exists.\\nRequestId:x\"}}}\r\n" +
            "--changesetresponse_2--\r\n--batchresponse_1--\r\n";

        Assert.Equal((409, "EntityAlreadyExists", 56), TableBatch.ReadFailure(response));
    }

    [Fact]
    public void ReadFailure_is_null_when_every_action_succeeded()
    {
        const string response =
            "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n" +
            "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nETag: W/\"1\"\r\n\r\n" +
            "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 201 Created\r\n\r\n" +
            "--changesetresponse_2--\r\n--batchresponse_1--\r\n";

        Assert.Null(TableBatch.ReadFailure(response));
    }
}
