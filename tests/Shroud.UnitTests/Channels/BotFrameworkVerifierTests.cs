using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Shroud.Api.Channels;
using Shroud.Core.Channels;
using Xunit.Abstractions;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

/// <summary>
/// The Bot Framework verifier with the real token validation, its OpenID metadata and keys served in-process by
/// <see cref="MetadataServer"/> (no socket), and tokens signed with a test RSA key.
/// </summary>
public sealed class BotFrameworkVerifierTests : IDisposable
{
    private const string AppId = "6f8a1b2c-0000-4000-8000-00000000a11d";
    private const string MetadataHost = "https://login.test";
    private const string Body = """{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/teams/","text":"hi"}""";

    // Far from the machine's clock, so a validation that read the wall clock instead of the request's time would fail.
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2031-03-01T12:00:00Z");

    private readonly ITestOutputHelper output;
    private readonly RSA signingKey = RSA.Create(2048);
    private readonly RSA otherKey = RSA.Create(2048);
    private readonly MetadataServer server;
    private readonly HttpClient httpClient;
    private readonly BotFrameworkVerifier verifier;
    private readonly ChannelSettings channel = Channel(ChannelKind.BotFramework, (ChannelSecretNames.BotFrameworkAppId, AppId)) with { ApiBaseUrl = MetadataHost };

    public BotFrameworkVerifierTests(ITestOutputHelper output)
    {
        this.output = output;
        server = new MetadataServer(new RsaSecurityKey(signingKey.ExportParameters(false)) { KeyId = "key-1" });
        httpClient = new HttpClient(server);
        verifier = new BotFrameworkVerifier(new BotFrameworkTokens(httpClient));
    }

    [Fact]
    public void Token_from_the_metadata_key_for_the_app_is_verified()
    {
        var verdict = verifier.Verify(WithToken(Token()), channel);

        output.WriteLine($"valid token: {verdict.Kind}; fetched {string.Join(", ", server.Fetched)}");
        Assert.Equal(ChannelVerdictKind.Verified, verdict.Kind);
    }

    [Fact]
    public void Keys_are_fetched_once_for_many_validations()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ChannelVerdictKind.Verified, verifier.Verify(WithToken(Token()), channel).Kind);
        }

        output.WriteLine($"5 validations fetched: {string.Join(", ", server.Fetched)}");
        Assert.Equal(["https://login.test/v1/.well-known/openidconfiguration", "https://login.test/keys"], server.Fetched);
    }

    [Fact]
    public void Metadata_comes_from_login_botframework_com_unless_overridden()
    {
        var verdict = verifier.Verify(WithToken(Token()), channel with { ApiBaseUrl = null });

        Assert.Equal(ChannelVerdictKind.Verified, verdict.Kind);
        Assert.Equal("https://login.botframework.com/v1/.well-known/openidconfiguration", server.Fetched[0]);
    }

    [Fact]
    public void Metadata_over_plain_http_is_never_fetched()
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token()), channel with { ApiBaseUrl = "http://login.test" }).Kind);
        Assert.Empty(server.Fetched);
    }

    [Fact]
    public void Token_for_another_app_is_refused() =>
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token(audience: "another-app")), channel).Kind);

    [Fact]
    public void Token_from_another_issuer_is_refused() =>
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token(issuer: "https://sts.windows.net/evil/")), channel).Kind);

    [Theory]
    [InlineData(-6, false)]
    [InlineData(-4, true)]
    public void Expired_token_is_refused_beyond_five_minutes_of_skew(int expiresInMinutes, bool verified)
    {
        var verdict = verifier.Verify(WithToken(Token(expires: Now.AddMinutes(expiresInMinutes))), channel);

        output.WriteLine($"expired {-expiresInMinutes} min ago: {verdict.Kind}");
        Assert.Equal(verified ? ChannelVerdictKind.Verified : ChannelVerdictKind.Refused, verdict.Kind);
    }

    [Fact]
    public void Token_not_yet_valid_beyond_the_skew_is_refused() =>
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token(notBefore: Now.AddMinutes(6), expires: Now.AddMinutes(60))), channel).Kind);

    [Fact]
    public void Token_signed_by_a_key_the_metadata_does_not_list_is_refused()
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token(key: new RsaSecurityKey(otherKey) { KeyId = "unknown-key" })), channel).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token(key: new RsaSecurityKey(otherKey) { KeyId = "key-1" })), channel).Kind);
    }

    [Fact]
    public void Unsigned_token_is_refused()
    {
        var unsigned = new JsonWebTokenHandler().CreateToken(Descriptor(BotFrameworkVerifier.Issuer, AppId, null, Now.AddMinutes(60), null));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(unsigned), channel).Kind);
    }

    [Fact]
    public void Token_signed_with_a_shared_key_is_refused()
    {
        var hmac = new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "key-1" }, SecurityAlgorithms.HmacSha256);
        var token = new JsonWebTokenHandler().CreateToken(Descriptor(BotFrameworkVerifier.Issuer, AppId, null, Now.AddMinutes(60), hmac));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(token), channel).Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not.a.jwt")]
    public void Missing_or_malformed_authorization_is_refused(string? authorization)
    {
        var request = authorization is null ? Post(Body, Now) : Post(Body, Now, ("Authorization", authorization));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(request, channel).Kind);
    }

    [Fact]
    public void Channel_without_app_id_is_refused() =>
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(WithToken(Token()), Channel(ChannelKind.BotFramework) with { ApiBaseUrl = MetadataHost }).Kind);

    public void Dispose()
    {
        httpClient.Dispose();
        signingKey.Dispose();
        otherKey.Dispose();
    }

    private static Core.Channels.ChannelRequest WithToken(string token) => Post(Body, Now, ("Authorization", "Bearer " + token));

    private string Token(string issuer = BotFrameworkVerifier.Issuer, string audience = AppId, DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, SecurityKey? key = null)
    {
        var credentials = new SigningCredentials(key ?? new RsaSecurityKey(signingKey) { KeyId = "key-1" }, SecurityAlgorithms.RsaSha256);
        return new JsonWebTokenHandler().CreateToken(Descriptor(issuer, audience, notBefore, expires ?? Now.AddMinutes(60), credentials));
    }

    private static SecurityTokenDescriptor Descriptor(string issuer, string audience, DateTimeOffset? notBefore, DateTimeOffset expires, SigningCredentials? credentials)
    {
        var start = notBefore ?? expires.AddMinutes(-65);
        return new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = start.UtcDateTime,
            NotBefore = start.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object> { ["serviceurl"] = "https://smba.trafficmanager.net/teams/" },
            SigningCredentials = credentials,
        };
    }

    /// <summary>Serves the Bot Framework OpenID metadata and key set for any host, recording what was fetched.</summary>
    private sealed class MetadataServer(RsaSecurityKey publicKey) : HttpMessageHandler
    {
        public List<string> Fetched { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            lock (Fetched)
            {
                Fetched.Add(uri.ToString());
            }

            var origin = uri.GetLeftPart(UriPartial.Authority);
            var document = uri.AbsolutePath switch
            {
                "/v1/.well-known/openidconfiguration" => JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["issuer"] = BotFrameworkVerifier.Issuer,
                    ["authorization_endpoint"] = "https://invalid.botframework.com",
                    ["jwks_uri"] = origin + "/keys",
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    ["token_endpoint_auth_methods_supported"] = new[] { "private_key_jwt" },
                }),
                "/keys" => JsonSerializer.Serialize(new
                {
                    keys = new[]
                    {
                        new
                        {
                            kty = "RSA",
                            use = "sig",
                            kid = publicKey.KeyId,
                            n = Base64UrlEncoder.Encode(publicKey.Parameters.Modulus),
                            e = Base64UrlEncoder.Encode(publicKey.Parameters.Exponent),
                            endorsements = new[] { "msteams" },
                        },
                    },
                }),
                _ => null,
            };

            return Task.FromResult(document is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(document, Encoding.UTF8, "application/json") });
        }
    }
}
