namespace Shroud.Storage;

/// <summary>A failed storage request (tables or blobs): HTTP status (0 when no response arrived), service error code and, for transactions, the failing action.</summary>
/// <remarks>Messages name the operation, table, status and code only, never entity or blob contents or keys.</remarks>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> must not contain entity contents.</summary>
    public StorageException(int status, string? errorCode, string message, int? failedActionIndex = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
        FailedActionIndex = failedActionIndex;
    }

    /// <summary>The HTTP status code, or 0 when the request got no response.</summary>
    public int Status { get; }

    /// <summary>The service error code, e.g. "EntityAlreadyExists" or "UpdateConditionNotSatisfied".</summary>
    public string? ErrorCode { get; }

    /// <summary>Zero-based index of the transaction action that failed, when the service names one.</summary>
    public int? FailedActionIndex { get; }
}
