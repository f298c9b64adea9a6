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
        services.AddHttpClient(ChannelApi.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => ChannelOutboundHandler.Create(provider.GetRequiredService<OutboundAddressPolicy>()))
            // The default client logs write request URLs, and Telegram's carry the bot token.
            .RemoveAllLoggers()
            .AddResilienceHandler("channel-send", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ChannelSendOptions>>().Value;
                pipeline
                    .AddTimeout(options.TotalTimeout)
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        Delay = options.RetryDelay,
                        MaxDelay = options.MaxRetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = true,
                    })
                    .AddTimeout(options.AttemptTimeout);
            });
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
}
