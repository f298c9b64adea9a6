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
}
