using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Shroud.Host;

/// <summary>
/// Runs the local host. A start that cannot succeed (a setting missing or wrong, a port already in use) ends before
/// anything has started, with one line on stderr naming the setting or port and exit code <see cref="StartRefusedExitCode"/>,
/// instead of the host's log of a stack trace and of the background services it then cancels.
/// </summary>
public static class HostRun
{
    public const int StartRefusedExitCode = 1;

    public static async Task<int> RunShroudHostAsync(this WebApplication app)
    {
        try
        {
            CheckSettings(app.Services);
            if (IsProcess)
            {
                CheckPortsAreFree(app.Configuration);
            }

            await app.RunAsync();
            return 0;
        }
        catch (StartRefusedException e) when (IsProcess)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return StartRefusedExitCode;
        }
    }

    // A test's WebApplicationFactory runs this entry point on an in-memory server: it binds no port, and it wants the exception.
    private static bool IsProcess => Assembly.GetEntryAssembly() == typeof(HostRun).Assembly;

    /// <summary>Runs the settings checks the host would run on start, and turns their failures into one line.</summary>
    private static void CheckSettings(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var failures = (e is AggregateException all ? all.InnerExceptions : [e])
                .SelectMany(f => f is OptionsValidationException options ? options.Failures : [f.Message]);
            throw new StartRefusedException("Shroud cannot start: " + string.Join(" ", failures));
        }
    }

    /// <summary>Binds each address of <c>Urls</c> for a moment, so that a taken port is named before anything starts.</summary>
    private static void CheckPortsAreFree(IConfiguration configuration)
    {
        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var url in urls)
        {
            var address = BindingAddress.Parse(url);
            if (address.IsUnixPipe || address.Port == 0 || ListenAddress(address.Host) is not { } ip)
            {
                continue;
            }

            using var probe = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(ip, address.Port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                var why = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "is already in use" : "may not be used by this user";
                throw new StartRefusedException(
                    $"Shroud cannot start: port {address.Port} on {address.Host} {why} (Urls: {url}); stop what listens there or set Urls to another address.");
            }
        }
    }

    private static IPAddress? ListenAddress(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" => IPAddress.Any,
        _ => IPAddress.TryParse(host, out var ip) ? ip : null,
    };

    private sealed class StartRefusedException(string message) : Exception(message);
}
