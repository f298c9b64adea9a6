using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Client;
using Shroud.IntegrationTests.Infrastructure;
using RawClient = Shroud.IntegrationTests.Infrastructure.ShroudClient;

namespace Shroud.IntegrationTests.DotNetClient;

/// <summary>
/// The local host on Azurite listening on loopback, and Shroud.Client registered as a customer registers it
/// (<c>AddShroudClient</c>, IHttpClientFactory, the retry handler), for one app with keys of its own.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    private readonly List<ServiceProvider> providers = [];

    private ClientHost(ShroudFactory factory, string address, string appId)
    {
        Factory = factory;
        Address = address;
        AppId = appId;
        Raw = new RawClient(factory.CreateClient());
    }

    public ShroudFactory Factory { get; }

    public string Address { get; }

    public string AppId { get; }

    /// <summary>A plain HTTP client of the same host (in memory), to set things up.</summary>
    public RawClient Raw { get; }

    /// <summary>Starts the host and creates the app.</summary>
    public static async Task<ClientHost> StartAsync(AzuriteFixture azurite, string appId, ShroudFactory? factory = null)
    {
        factory ??= new ShroudFactory(azurite);
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var host = new ClientHost(factory, address, appId);
        await host.Raw.CreateAppWithKeyAsync(appId, "admin");
        return host;
    }

    /// <summary>A client of the app with a new key holding <paramref name="permissions"/>.</summary>
    public async Task<Shroud.Client.ShroudClient> ClientAsync(params string[] permissions) => Client(await Raw.CreateKeyAsync(AppId, permissions));

    /// <summary>A client of the app presenting <paramref name="key"/>; <paramref name="configure"/> adds to the registration.</summary>
    public Shroud.Client.ShroudClient Client(string key, Action<IHttpClientBuilder>? configure = null, Action<ShroudClientOptions>? options = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddShroudClient(o =>
        {
            o.BaseAddress = new Uri(Address);
            o.ApiKey = key;
            o.AppId = AppId;
            options?.Invoke(o);
        });
        configure?.Invoke(builder);
        var provider = services.BuildServiceProvider();
        providers.Add(provider);
        return provider.GetRequiredService<Shroud.Client.ShroudClient>();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in providers)
        {
            await provider.DisposeAsync();
        }

        await Factory.DisposeAsync();
    }
}

/// <summary>Sees every attempt the client sends (it sits inside the retry handler) and may act on each answer.</summary>
public sealed class AttemptRecorder(Action<HttpResponseMessage>? onAnswer = null) : DelegatingHandler
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(HttpMethod Method, HttpStatusCode Status, string? Authorization)> attempts = new();

    public IReadOnlyList<(HttpMethod Method, HttpStatusCode Status, string? Authorization)> Attempts => attempts.ToArray();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        attempts.Enqueue((request.Method, response.StatusCode, request.Headers.Authorization?.Scheme));
        onAnswer?.Invoke(response);
        return response;
    }
}
