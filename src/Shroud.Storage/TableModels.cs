using Azure;

namespace Shroud.Storage;

/// <summary>How an update or upsert treats properties missing from the entity: Merge keeps them, Replace removes them.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep stored properties the entity does not name.</summary>
    Merge,

    /// <summary>Replace the stored entity entirely.</summary>
    Replace,
}

/// <summary>The kind of one operation inside an entity-group transaction.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails if the entity exists.</summary>
    Add,

    /// <summary>Merge into an existing entity (conditional on the action's ETag, "*" when default).</summary>
    UpdateMerge,

    /// <summary>Replace an existing entity (conditional on the action's ETag, "*" when default).</summary>
    UpdateReplace,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,

    /// <summary>Delete (conditional on the action's ETag, "*" when default); fails if the entity does not exist.</summary>
    Delete,
}

/// <summary>One operation of an entity-group transaction; <paramref name="ETag"/> applies to updates and deletes (default means "*").</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default);

/// <summary>One page of query results and the opaque token that resumes the query after it (null on the last page).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Items, string? ContinuationToken);

/// <summary>Helpers for writing OData filter expressions.</summary>
public static class TableFilter
{
    /// <summary>Quotes a string as an OData literal, doubling single quotes: <c>O'Neil</c> becomes <c>'O''Neil'</c>.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
    }
}
