namespace Shroud.Core;

/// <summary>A failure kind with its stable machine-readable code and HTTP status.</summary>
public sealed record ShroudError(string Code, int Status, string Title)
{
    public static readonly ShroudError InvalidJson = new("invalid_json", 400, "The request body is not valid JSON.");
    public static readonly ShroudError ValidationFailed = new("validation_failed", 400, "One or more fields are invalid.");
    public static readonly ShroudError BatchTooLarge = new("batch_too_large", 400, "The batch holds too many items.");
    public static readonly ShroudError ValueTooLarge = new("value_too_large", 413, "A value is over the size limit.");
    public static readonly ShroudError MediaTooLarge = new("media_too_large", 413, "The media is over the size limit.");
    public static readonly ShroudError BodyTooLarge = new("body_too_large", 413, "The request body is over the route's limit.");
    public static readonly ShroudError UnsupportedMediaType = new("unsupported_media_type", 415, "The request body's content type is not accepted here.");
    public static readonly ShroudError MediaGone = new("media_gone", 410, "The media has expired or was deleted.");
    public static readonly ShroudError InvalidReference = new("invalid_reference", 400, "The reference is not valid for this app.");
    public static readonly ShroudError Unauthorized = new("unauthorized", 401, "A valid API key is required.");
    public static readonly ShroudError Forbidden = new("forbidden", 403, "The API key lacks the permission this call needs.");
    public static readonly ShroudError AppNotFound = new("app_not_found", 404, "The app does not exist.");
    public static readonly ShroudError KeyNotFound = new("key_not_found", 404, "The API key does not exist.");
    public static readonly ShroudError ConfigurationNotFound = new("configuration_not_found", 404, "The configuration does not exist.");
    public static readonly ShroudError ConfigurationNameTaken = new("configuration_name_taken", 409, "Another configuration of the app has this name.");
    public static readonly ShroudError ConfigurationInUse = new("configuration_in_use", 409, "The configuration is the app's default or a conversation uses it.");
    public static readonly ShroudError ChannelNotFound = new("channel_not_found", 404, "The channel does not exist.");
    public static readonly ShroudError ChannelCannotSend = new("channel_cannot_send", 409, "The channel has no credentials to send with.");
    public static readonly ShroudError MediaNotSupported = new("media_not_supported", 400, "The channel cannot take media files from Shroud.");
    public static readonly ShroudError ChannelError = new("channel_error", 502, "The channel refused the message.");
    public static readonly ShroudError ChannelUnavailable = new("channel_unavailable", 503, "The channel is unavailable.");
    public static readonly ShroudError ChannelTimeout = new("channel_timeout", 504, "The channel did not answer in time.");
    public static readonly ShroudError DeliveryNotFound = new("delivery_not_found", 404, "The delivery does not exist.");
    public static readonly ShroudError DeliveryNotFailed = new("delivery_not_failed", 409, "Only a failed delivery can be retried.");
    public static readonly ShroudError DeliveryExpired = new("delivery_expired", 410, "The delivery's payload has expired.");
    public static readonly ShroudError PreconditionFailed = new("precondition_failed", 412, "The resource has changed since it was read.");
    public static readonly ShroudError AppExists = new("app_exists", 409, "An app with this id already exists.");
    public static readonly ShroudError NotFound = new("not_found", 404, "No route answers this path.");
    public static readonly ShroudError MethodNotAllowed = new("method_not_allowed", 405, "The route does not answer this method.");
    public static readonly ShroudError StorageUnavailable = new("storage_unavailable", 503, "Storage is unavailable.");
    public static readonly ShroudError StorageRejected = new("storage_rejected", 502, "Storage refused a request Shroud made.");

    /// <summary>The server refused the request before Shroud read it (a malformed request line or headers); its status is the server's.</summary>
    public static readonly ShroudError BadRequest = new("bad_request", 400, "The request was rejected.");

    public static readonly ShroudError InternalError = new("internal_error", 500, "Internal error");

    /// <summary>Every failure kind, in declaration order: the problem codes the API can answer.</summary>
    public static IReadOnlyList<ShroudError> All { get; } = typeof(ShroudError)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ShroudError))
        .Select(f => (ShroudError)f.GetValue(null)!)
        .ToList();
}

/// <summary>A failure that is reported to the caller as a problem response with the error's code and status.</summary>
public sealed class ShroudException(ShroudError error, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(detail)
{
    public ShroudError Error { get; } = error;

    /// <summary>Field paths and what is wrong with each, for validation failures.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    /// <summary>More members of the problem response, such as the status and error code a channel answered.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    public static ShroudException Invalid(string field, string message) =>
        new(ShroudError.ValidationFailed, $"{field}: {message}", new Dictionary<string, string[]> { [field] = [message] });

    public static ShroudException AppNotFound(string appId) => new(ShroudError.AppNotFound, $"App '{appId}' does not exist.");

    public static ShroudException ConfigurationNotFound(string id) =>
        new(ShroudError.ConfigurationNotFound, $"The app has no configuration '{id}'.");

    /// <summary>The one answer for every reference that does not open, whichever check failed.</summary>
    public static ShroudException InvalidReference(string field) =>
        new(ShroudError.InvalidReference, $"{field} is not a valid reference for this app.");
}
