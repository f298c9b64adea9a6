using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Crypto;

namespace Shroud.Api;

/// <summary>
/// Outside Development, refuses the bootstrap admin key and root key that the repository publishes for local runs
/// (<c>appsettings.Development.json</c>, <c>local.settings.sample.json</c>): anyone can read them, so they protect nothing.
/// Both hosts register it, so a Functions app deployed with the sample's values does not start either.
/// </summary>
public sealed class PublishedDevelopmentKeys(IHostEnvironment environment) : IValidateOptions<ShroudOptions>, IValidateOptions<RootKeyOptions>
{
    public const string BootstrapAdminKey = "dev-bootstrap-admin-key";
    public const string RootKey = "bu9QZmTMCYr5YfuV1XizVEuCWXoD0CtrEJkpNaZ6/28=";

    public ValidateOptionsResult Validate(string? name, ShroudOptions options) =>
        !environment.IsDevelopment() && options.BootstrapAdminKey == BootstrapAdminKey
            ? ValidateOptionsResult.Fail($"Setting {ShroudOptions.SectionName}__BootstrapAdminKey is the development key published in the repository; outside Development set a secret of your own.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, RootKeyOptions options)
    {
        if (environment.IsDevelopment())
        {
            return ValidateOptionsResult.Success;
        }

        var published = Convert.FromBase64String(RootKey);
        foreach (var (id, value) in options.Keys)
        {
            var key = new byte[published.Length];
            if (Convert.TryFromBase64String(value.Trim(), key, out var length) && length == key.Length && key.SequenceEqual(published))
            {
                return ValidateOptionsResult.Fail($"Setting {RootKeyOptions.SectionName}__Keys__{id} is the development root key published in the repository; outside Development use a key of your own (openssl rand -base64 32).");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
