namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// The shape of a channel's media file in a forwarded payload. The webhook seals the field naming the file (a WhatsApp
/// media id, a Telegram <c>file_id</c>, a URL) and marks it <see cref="PendingProperty"/>; the delivery consumer
/// downloads the file with the channel's credentials, seals it as Shroud media and puts in the field's place
/// <c>{ "$shroud": "&lt;media ref&gt;", "redacted", "contentType", "size", "source": { "$shroud", "redacted" } }</c>,
/// where <c>source</c> is the original id or URL, still sealed. The marker never reaches the bot.
/// </summary>
public static class InboundMedia
{
    /// <summary>Marks a sealed field whose file is still to be downloaded (only inside the stored payload).</summary>
    public const string PendingProperty = "$shroudMediaPending";

    public const string ContentTypeProperty = "contentType";
    public const string SizeProperty = "size";
    public const string SourceProperty = "source";
}
