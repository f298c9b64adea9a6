using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Signs each attempt with the Table service SharedKey scheme (fresh x-ms-date per retry).</summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.TryGetValue("Content-Type", out var contentType);
        var stringToSign = StringToSign(request.Method.Method, contentType, date, request.Uri.ToUri());
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{Sign(stringToSign)}");
    }

    /// <summary>VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedResource, with the resource "/account" + escaped path (+ "?comp=").</summary>
    internal string StringToSign(string method, string? contentType, string date, Uri uri)
    {
        var resource = $"/{accountName}{uri.AbsolutePath}";
        foreach (var parameter in uri.Query.TrimStart('?').Split('&'))
        {
            if (parameter.StartsWith("comp=", StringComparison.OrdinalIgnoreCase))
            {
                resource += "?comp=" + Uri.UnescapeDataString(parameter[5..]);
            }
        }

        return $"{method}\n\n{contentType}\n{date}\n{resource}";
    }

    internal string Sign(string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(stringToSign)));
}
