namespace Shroud.Storage;

/// <summary>A parsed Azure Storage connection string (SharedKey) for the Table and Blob endpoints.</summary>
public sealed class StorageConnectionString
{
    /// <summary>Account name of the storage emulator (Azurite).</summary>
    public const string DevelopmentStorageAccountName = "devstoreaccount1";

    /// <summary>Well-known, public account key of the storage emulator (Azurite).</summary>
    public const string DevelopmentStorageAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Uri DevelopmentStorageTableEndpoint = new("http://127.0.0.1:10002/devstoreaccount1");

    private static readonly Uri DevelopmentStorageBlobEndpoint = new("http://127.0.0.1:10000/devstoreaccount1");

    private StorageConnectionString(string accountName, string accountKey, Uri tableEndpoint, Uri blobEndpoint)
    {
        AccountName = accountName;
        AccountKey = accountKey;
        TableEndpoint = tableEndpoint;
        BlobEndpoint = blobEndpoint;
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>The base64 account key.</summary>
    public string AccountKey { get; }

    /// <summary>The Table service endpoint, without a trailing slash.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>The Blob service endpoint, without a trailing slash.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Parses "UseDevelopmentStorage=true" or an AccountName/AccountKey string with TableEndpoint/BlobEndpoint or EndpointSuffix.</summary>
    /// <remarks>A service without an explicit endpoint gets https (or DefaultEndpointsProtocol)://account.{table|blob}.EndpointSuffix.</remarks>
    /// <exception cref="FormatException">The string is malformed or lacks a setting; the message never repeats the string.</exception>
    public static StorageConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = part.IndexOf('=');
            if (separator <= 0)
            {
                throw new FormatException("The storage connection string is malformed: every setting must be Name=Value.");
            }

            settings[part[..separator].Trim()] = part[(separator + 1)..].Trim();
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var development) && bool.TryParse(development, out var useDevelopment) && useDevelopment)
        {
            return new(DevelopmentStorageAccountName, DevelopmentStorageAccountKey, DevelopmentStorageTableEndpoint, DevelopmentStorageBlobEndpoint);
        }

        var accountName = Required(settings, "AccountName");
        var accountKey = Required(settings, "AccountKey");
        if (!IsBase64(accountKey))
        {
            throw new FormatException("The storage connection string's AccountKey is not valid base64.");
        }

        return new(accountName, accountKey, Endpoint(settings, accountName, "TableEndpoint", "table"), Endpoint(settings, accountName, "BlobEndpoint", "blob"));
    }

    /// <summary>The explicit endpoint setting, else protocol://account.service.suffix; must be an absolute http(s) URI.</summary>
    private static Uri Endpoint(Dictionary<string, string> settings, string accountName, string setting, string service)
    {
        var endpoint = settings.TryGetValue(setting, out var explicitEndpoint)
            ? explicitEndpoint
            : $"{settings.GetValueOrDefault("DefaultEndpointsProtocol", "https")}://{accountName}.{service}.{settings.GetValueOrDefault("EndpointSuffix", "core.windows.net")}";
        if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"The storage connection string's {service} endpoint is not an absolute http(s) URI.");
        }

        return uri;
    }

    private static string Required(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new FormatException($"The storage connection string has no {name}.");

    private static bool IsBase64(string value) => Convert.TryFromBase64String(value, new byte[value.Length], out _);
}
