using Azure;
using Azure.Data.Tables;

namespace Shroud.Storage;

internal static class TableTransactions
{
    /// <summary>
    /// Submits an entity-group transaction. A batch answers a missing table inside its own (successful) response, out of
    /// <see cref="MissingResourcePolicy"/>'s sight, so a transaction that meets <c>TableNotFound</c> creates the table
    /// and is submitted once more here.
    /// </summary>
    public static async Task TransactAsync(this TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.ErrorCode == "TableNotFound")
        {
            if (!await TryCreateAsync(table, cancellationToken))
            {
                throw;
            }

            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    // As in MissingResourcePolicy: when storage refuses to create the table, the transaction keeps its own answer.
    private static async Task<bool> TryCreateAsync(TableClient table, CancellationToken cancellationToken)
    {
        try
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            return true;
        }
        catch (RequestFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes the rows in transactions of up to 100 per partition; rows another sweep deleted first are skipped (one
    /// by one, once a transaction meets them). Returns how many rows this call deleted.
    /// </summary>
    public static async Task<int> DeleteRowsAsync(this TableClient table, IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var partition in rows.GroupBy(e => e.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(MaxTransactionActions))
            {
                try
                {
                    await table.TransactAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey))).ToList(), cancellationToken);
                    deleted += chunk.Length;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    foreach (var row in chunk)
                    {
                        deleted += (await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken)).Status != 404 ? 1 : 0;
                    }
                }
            }
        }

        return deleted;
    }

    /// <summary>The most actions of one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;
}
