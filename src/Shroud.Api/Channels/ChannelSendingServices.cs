using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

public static class ChannelSendingServices
{
    /// <summary>
    /// The outgoing edge: the channel API client (connect-time address checks, no logging, the bounds of
    /// <see cref="ChannelSendOptions"/>), a sender per channel kind, the Bot Connector token cache and the handler.
    /// </summary>
    public static IServiceCollection AddChannelSending(this IServiceCollection services)
    {
        services.AddOptions<ChannelSendOptions>();
        AddChannelClient(services, ChannelApi.ClientName, o => (o.AttemptTimeout, o.TotalTimeout));
        AddChannelClient(services, ChannelApi.UploadClientName, o => (o.UploadAttemptTimeout, o.UploadTotalTimeout));
        services.AddSingleton<ChannelApi>();
        services.AddSingleton<BotConnectorTokens>();
        services.AddSingleton<IChannelSender, SlackSender>();
        services.AddSingleton<IChannelSender, WhatsAppSender>();
        services.AddSingleton<IChannelSender, TelegramSender>();
        services.AddSingleton<IChannelSender, TwilioSender>();
        services.AddSingleton<IChannelSender, BotFrameworkSender>();
        services.AddSingleton<ChannelMessagesApi>();
        return services;
    }

    private static void AddChannelClient(IServiceCollection services, string name, Func<ChannelSendOptions, (TimeSpan Attempt, TimeSpan Total)> bounds) =>
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => ChannelOutboundHandler.Create(provider.GetRequiredService<OutboundAddressPolicy>()))
            // The default client logs write request URLs, and Telegram's carry the bot token.
            .RemoveAllLoggers()
            .AddResilienceHandler(name, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ChannelSendOptions>>().Value;
                var (attempt, total) = bounds(options);
                pipeline
                    .AddTimeout(total)
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        Delay = options.RetryDelay,
                        MaxDelay = options.MaxRetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        // The channel's Retry-After is honoured up to MaxRetryDelay: Polly's own handling of the header
                        // would wait as long as the channel asks, past the send's total bound.
                        ShouldRetryAfterHeader = false,
                        DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryDelay)),
                    })
                    .AddTimeout(attempt);
            });

    /// <summary>The wait a channel's <c>Retry-After</c> asks for, at most <paramref name="max"/>; null (the backoff) when it asks none.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, max.Ticks)) : null;
    }
}
