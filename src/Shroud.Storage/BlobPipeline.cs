using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Blob request plumbing: URLs, standard headers, sending and error mapping.</summary>
internal sealed partial class BlobPipeline(Uri endpoint, HttpPipeline pipeline) : StoragePipeline(endpoint, pipeline, "Blob", ServiceVersion)
{
    /// <summary>The REST API version sent with every request (supported by Azure and by Azurite 3.35).</summary>
    public const string ServiceVersion = "2021-08-06";

    public static string ValidateContainerName(string containerName)
    {
        ArgumentNullException.ThrowIfNull(containerName);
        return ContainerNamePattern().IsMatch(containerName)
            ? containerName
            : throw new ArgumentException("Container names are 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.", nameof(containerName));
    }

    /// <summary>The URL path of one blob: each '/'-separated segment percent-escaped, the '/' kept.</summary>
    /// <exception cref="ArgumentException">The name is empty, longer than 1,024 characters, or has a "." or ".." segment (URIs would collapse it).</exception>
    public static string BlobPath(string container, string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (blobName.Length is < 1 or > 1024)
        {
            throw new ArgumentException("Blob names are 1 to 1,024 characters.", nameof(blobName));
        }

        var segments = blobName.Split('/');
        if (segments.Any(s => s is "." or ".."))
        {
            throw new ArgumentException("Blob names cannot have \".\" or \"..\" path segments.", nameof(blobName));
        }

        return container + "/" + string.Join('/', segments.Select(Uri.EscapeDataString));
    }

    public HttpMessage CreateMessage(RequestMethod method, string path) => NewMessage(method, path);

    public static StorageException Failure(Response response, string operation) => Failure("Blob", response, operation, ErrorCode(response));

    /// <summary>The x-ms-error-code header, else the &lt;Code&gt; of a buffered XML error body; an unbuffered (streamed) body is never read.</summary>
    public static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var header) && !string.IsNullOrEmpty(header))
        {
            return header;
        }

        return response.ContentStream is MemoryStream ? ReadErrorCode(response.Content.ToMemory()) : null;
    }

    /// <summary>The code of an &lt;Error&gt;&lt;Code&gt;...&lt;/Code&gt;&lt;/Error&gt; body, or null for anything else.</summary>
    public static string? ReadErrorCode(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            if (reader.MoveToContent() == XmlNodeType.Element && reader.LocalName == "Error")
            {
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1 && reader.LocalName == "Code")
                    {
                        return reader.ReadElementContentAsString();
                    }
                }
            }
        }
        catch (XmlException)
        {
            // Not an XML error body (e.g. HTML from a proxy): the status is all we have.
        }

        return null;
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerNamePattern();
}
