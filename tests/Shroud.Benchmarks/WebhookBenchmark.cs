using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>
/// Channel webhook acknowledgements: signed Slack events posted to a channel's webhook (one text field sealed by the
/// app's default configuration, stored with its payload in one transaction and queued) against the raw pair that
/// costs, one SDK entity-group transaction of two rows of the same shapes and one SDK enqueue of a message of the same
/// size, at concurrency 16 in interleaved rounds, in one run against a fresh in-memory Azurite. The delivery consumer is
/// not running: what is measured is the channel's wait.
/// </summary>
internal static class WebhookBenchmark
{
    public const double Target = 0.8;
    private const int Concurrency = 16;
    private const int Rounds = 10;
    private const string SigningSecret = "bench-slack-signing-secret";

    public static bool TryParse(string[] args, out int ops)
    {
        ops = 4_000;
        return args.Length == 0
            || (args is ["--ops", var text] && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ops) && ops is >= Rounds * Concurrency and <= 1_000_000);
    }

    public static async Task RunAsync(int ops, CancellationToken ct)
    {
        Console.WriteLine($"Shroud webhook benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, "
            + $"{Environment.ProcessorCount} cores (shared machine: compare ratios within one run).");
        Console.WriteLine($"Fresh in-memory Azurite; Slack events with one sealed text field; concurrency {Concurrency}; scenarios interleaved in {Rounds} rounds; delivery consumer off.");
        Console.Error.WriteLine("Starting Azurite and the Shroud host...");
        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        await using var shroud = await ShroudService.StartWithoutDeliveriesAsync(azurite.ConnectionString, ct);

        using var configuration = await shroud.PostAsAppAsync($"apps/{ShroudService.AppId}/configurations", new { name = "bench", encryptUserMessages = true }, ct);
        await shroud.SendAsAppAsync(HttpMethod.Patch, $"apps/{ShroudService.AppId}", new { defaultConfigurationId = configuration.RootElement.GetProperty("id").GetString() }, ct);
        using var channel = await shroud.PostAsAppAsync($"apps/{ShroudService.AppId}/channels", new
        {
            type = "slack",
            name = "bench",
            secrets = new { signingSecret = SigningSecret },
            forwardUrl = "https://bot.example.com/hooks/slack",
        }, ct);
        var webhookPath = channel.RootElement.GetProperty("webhookPath").GetString()!;
        var raw = await RawPair.CreateAsync(azurite.ConnectionString, ct);

        Scenario[] scenarios =
        [
            new("raw txn+enqueue", raw.RunAsync),
            new("shroud webhook", (slot, token) => PostAsync(shroud, webhookPath, slot, token)),
        ];

        var cpu = new CpuMeter();
        var measurements = scenarios.Select(s => new Measurement(s.Name, Concurrency)).ToArray();
        var slot = 0;
        foreach (var scenario in scenarios)
        {
            await Load.RunAsync(scenario.Op, slot, Math.Max(100, ops / 10), Concurrency, ct);
            slot += Math.Max(100, ops / 10);
        }

        Console.Error.WriteLine($"{ops:N0} operations per scenario in {Rounds} rounds...");
        for (var round = 0; round < Rounds; round++)
        {
            var count = ops / Rounds + (round < ops % Rounds ? 1 : 0);
            for (var i = 0; i < scenarios.Length; i++)
            {
                var before = cpu.Read();
                var (latencies, elapsed) = await Load.RunAsync(scenarios[i].Op, slot, count, Concurrency, ct);
                var after = cpu.Read();
                measurements[i].Add(latencies, elapsed, before, after);
                slot += count;
            }
        }

        Console.WriteLine();
        Measurement.PrintTable(measurements, cpu.SeesAzurite);

        var ratio = measurements[1].OpsPerSecond / measurements[0].OpsPerSecond;
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"webhook acknowledgements / raw transaction+enqueue ops/s at concurrency {Concurrency}: {ratio:F2}; target >= {Target:F2}: {(ratio >= Target ? "MET" : "NOT MET")} (informational); webhook p99 {measurements[1].PercentileMs(99):F1} ms"));
    }

    private static Task PostAsync(ShroudService shroud, string path, int slot, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"token":"x","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","type":"event_callback","event_id":"Ev{{{slot:D8}}}","event_time":1700000000,"event":{"type":"message","channel":"C0{{{slot % 64:D3}}}","user":"U061F7AUR","text":"my card number is 4111 1111 1111 1111, expiry 12/29","ts":"1700000000.000100"}}""");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"v0:{timestamp}:").Concat(body).ToArray();
        var signature = "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningSecret), signed));
        return shroud.PostWebhookAsync(path, body, [("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature)], ct);
    }

    /// <summary>
    /// The baseline a webhook costs at least: one SubmitTransactionAsync of a value-shaped row and a payload-shaped row in
    /// one expiry partition, then one SendMessageAsync of a delivery-shaped message, with the plain SDK clients.
    /// </summary>
    private sealed class RawPair(TableClient table, QueueClient queue)
    {
        private readonly byte[] data = RandomNumberGenerator.GetBytes(80);
        private readonly byte[] dek = RandomNumberGenerator.GetBytes(88);
        private readonly byte[] payload = RandomNumberGenerator.GetBytes(540);

        public static async Task<RawPair> CreateAsync(string connectionString, CancellationToken ct)
        {
            var service = new TableServiceClient(connectionString);
            await service.CreateTableIfNotExistsAsync("benchrawwebhooks", ct);
            var queue = new QueueClient(connectionString, "benchraw-deliveries", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            return new RawPair(service.GetTableClient("benchrawwebhooks"), queue);
        }

        public async Task RunAsync(int slot, CancellationToken ct)
        {
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds());
            var partition = $"{expiresAt.UtcDateTime:yyyyMMddHHmm}-{RandomNumberGenerator.GetInt32(16):x}";
            var refId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var deliveryId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var row = $"d.{deliveryId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
            await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, refId)
                    {
                        ["AppId"] = "bench-app", ["ExpiresAt"] = expiresAt, ["ContentType"] = "text/plain; charset=utf-8", ["Data"] = data, ["Dek"] = dek, ["KekVersion"] = 1,
                    }),
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, row)
                    {
                        ["AppId"] = "bench-app", ["ChannelId"] = "0123456789abcdef", ["DeliveryId"] = deliveryId, ["ExpiresAt"] = expiresAt, ["KekVersion"] = 1,
                        ["Payload0"] = payload, ["PayloadParts"] = 1,
                    }),
                ],
                ct);
            await queue.SendMessageAsync(
                $$$"""{"appId":"bench-app","channelId":"0123456789abcdef","deliveryId":"{{{deliveryId}}}","partition":"{{{partition}}}","row":"{{{row}}}","attempt":1}""",
                ct);
        }
    }
}
