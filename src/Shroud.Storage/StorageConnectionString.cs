namespace Shroud.Storage;

/// <summary>A parsed Azure Storage connection string (SharedKey) for the Table endpoint.</summary>
public sealed class StorageConnectionString
{
    /// <summary>Account name of the storage emulator (Azurite).</summary>
    public const string DevelopmentStorageAccountName = "devstoreaccount1";

    /// <summary>Well-known, public account key of the storage emulator (Azurite).</summary>
    public const string DevelopmentStorageAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Uri DevelopmentStorageTableEndpoint = new("http://127.0.0.1:10002/devstoreaccount1");

    private StorageConnectionString(string accountName, string accountKey, Uri tableEndpoint)
    {
        AccountName = accountName;
        AccountKey = accountKey;
        TableEndpoint = tableEndpoint;
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>The base64 account key.</summary>
    public string AccountKey { get; }

    /// <summary>The Table service endpoint, without a trailing slash.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>Parses "UseDevelopmentStorage=true" or an AccountName/AccountKey string with TableEndpoint or EndpointSuffix.</summary>
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
            return new(DevelopmentStorageAccountName, DevelopmentStorageAccountKey, DevelopmentStorageTableEndpoint);
        }

        var accountName = Required(settings, "AccountName");
        var accountKey = Required(settings, "AccountKey");
        if (!IsBase64(accountKey))
        {
            throw new FormatException("The storage connection string's AccountKey is not valid base64.");
        }

        var endpoint = settings.TryGetValue("TableEndpoint", out var tableEndpoint)
            ? tableEndpoint
            : $"{settings.GetValueOrDefault("DefaultEndpointsProtocol", "https")}://{accountName}.table.{settings.GetValueOrDefault("EndpointSuffix", "core.windows.net")}";
        if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException("The storage connection string's table endpoint is not an absolute http(s) URI.");
        }

        return new(accountName, accountKey, uri);
    }

    private static string Required(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new FormatException($"The storage connection string has no {name}.");

    private static bool IsBase64(string value) => Convert.TryFromBase64String(value, new byte[value.Length], out _);
}
