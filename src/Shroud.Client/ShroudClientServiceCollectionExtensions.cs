using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Shroud.Client;

public static class ShroudClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ShroudClient"/> as a typed client of <see cref="IHttpClientFactory"/>, with a retry handler
    /// (Microsoft.Extensions.Http.Resilience): a <c>503</c> to a request that is safe to repeat is retried up to
    /// <see cref="ShroudClientOptions.MaxRetries"/> times, waiting its <c>Retry-After</c> when it has one (none longer than
    /// <see cref="ShroudClientOptions.MaxRetryAfter"/>: a longer one is thrown at once), else an exponential backoff from
    /// 1 s with jitter, capped at <see cref="ShroudClientOptions.MaxRetryAfter"/>. With the defaults a call waits at most
    /// 3 × 30 s before its last answer. Returns the builder, to add handlers of your own.
    /// </summary>
    public static IHttpClientBuilder AddShroudClient(this IServiceCollection services, Action<ShroudClientOptions> configure)
    {
        services.AddOptions<ShroudClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "ShroudClientOptions.BaseAddress must be an absolute URI.")
            .Validate(o => !string.IsNullOrEmpty(o.ApiKey), "ShroudClientOptions.ApiKey is required.")
            .Validate(o => o.MaxRetries >= 0 && o.MaxRetryAfter >= TimeSpan.Zero, "ShroudClientOptions.MaxRetries and MaxRetryAfter must not be negative.");

        var builder = services.AddHttpClient<ShroudClient>((provider, http) =>
        {
            var address = provider.GetRequiredService<IOptions<ShroudClientOptions>>().Value.BaseAddress!;
            // Relative routes ("api/…") resolve under the whole base path only when it ends with a slash.
            http.BaseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        });
        // The factory's default loggers write every request header at Trace level, and although the message shows them
        // redacted, the structured state they log carries the raw values, Authorization included: a structured sink
        // would store the key. Ours logs the method, path, status and duration only.
        builder.RemoveAllLoggers().AddLogger(provider => new ShroudHttpLogger(provider.GetRequiredService<ILoggerFactory>().CreateLogger<ShroudClient>()));
        builder.AddResilienceHandler("Shroud.Client.Retry", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<ShroudClientOptions>>().Value;
            if (options.MaxRetries == 0)
            {
                return;
            }

            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = options.MaxRetryAfter,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, options)),
            });
        });
        return builder;
    }

    /// <summary>
    /// Only a 503 to a request marked safe to repeat, and only when its Retry-After (if any) is one the client waits out.
    /// A failure without an answer is not retried: the request may have been carried out.
    /// </summary>
    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ShroudClientOptions options) =>
        outcome.Result is { StatusCode: HttpStatusCode.ServiceUnavailable } response
        && response.RequestMessage?.Options.TryGetValue(ShroudClient.SafeToRepeat, out var safe) == true && safe
        && (ShroudException.RetryAfterOf(response) is not { } wait || wait <= options.MaxRetryAfter);
}
