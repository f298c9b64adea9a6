using System.Buffers.Text;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Direct looks at stored rows, for tests that check or alter what Shroud wrote.</summary>
public static class Rows
{
    public static async Task<List<TableEntity>> AllAsync(TableClient table, string? filter = null)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync(filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The ref id (the record's row key) inside a reference.</summary>
    public static string RefIdOf(string reference) =>
        Base64Url.EncodeToString(Base64Url.DecodeFromChars(reference.AsSpan("shr1.".Length))[..16]);
}
