using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Shroud.Api;
using Shroud.Core;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Deployment;
using Shroud.IntegrationTests.Functions;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.OpenApi;

/// <summary>
/// docs/openapi.json is the document the local host's endpoints generate, names every route both hosts serve and no
/// other, and is what both hosts serve at <c>GET /api/openapi.json</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiDocumentTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>
{
    /// <summary>Set to 1 to write the generated document to docs/openapi.json instead of failing on a difference.</summary>
    public const string WriteVariable = "SHROUD_WRITE_OPENAPI";

    private const string CommittedPath = "docs/openapi.json";

    [Fact]
    public async Task The_committed_document_is_the_one_generated_from_the_local_hosts_endpoints()
    {
        var generated = await GenerateAsync();
        if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            await File.WriteAllTextAsync(RepositoryFiles.Path(CommittedPath), generated);
        }

        var committed = RepositoryFiles.Read(CommittedPath).ReplaceLineEndings("\n");
        Assert.True(
            committed == generated,
            $"{CommittedPath} differs from the document the routes generate. Regenerate it with " +
            $"`{WriteVariable}=1 dotnet test tests/Shroud.IntegrationTests --filter FullyQualifiedName~OpenApiDocumentTests.The_committed_document` " +
            $"review the diff and commit it. First difference: {FirstDifference(committed, generated)}");
    }

    [Fact]
    public async Task Every_route_and_method_either_host_serves_is_in_the_document_and_every_operation_is_served_by_both()
    {
        var documented = Operations(JsonNode.Parse(await GenerateAsync())!);

        await using var factory = new ShroudFactory(azurite);
        var local = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} /{CatchAllAsParameter(e.RoutePattern.RawText!.Trim('/'))}"))
            .ToHashSet();
        var host = await worker.StartAsync(azurite);
        var functions = host.Functions.Where(f => f.TriggerType == "httpTrigger")
            .SelectMany(f => f.Methods.Select(method => $"{method} /{CatchAllAsParameter(host.PrefixedRoute(f))}"))
            .ToHashSet();

        Assert.True(local.SetEquals(documented), Difference("local host", local, documented));
        Assert.True(functions.SetEquals(documented), Difference("Functions app", functions, documented));
    }

    [Fact]
    public async Task Both_hosts_serve_the_committed_document_anonymously_and_it_reads_back_as_openapi_3_1_without_errors()
    {
        var committed = RepositoryFiles.Read(CommittedPath).ReplaceLineEndings("\n");
        await using var factory = new ShroudFactory(azurite);
        var host = await worker.StartAsync(azurite);
        foreach (var (name, client) in new[] { ("local host", factory.CreateClient()), ("Functions app", host.CreateClient()) })
        {
            using var response = await client.GetAsync("/api/openapi.json");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"The {name} answered {response.StatusCode}.");
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            Assert.True(committed == (await response.Content.ReadAsStringAsync()).ReplaceLineEndings("\n"), $"The {name} serves another document than {CommittedPath} (rebuild after regenerating it).");
        }

        var settings = new OpenApiReaderSettings();
        var read = OpenApiDocument.Parse(committed, "json", settings);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Equal("3.1", JsonNode.Parse(committed)!["openapi"]!.GetValue<string>()[..3]);
        Assert.NotEmpty(read.Document!.Paths);
    }

    [Fact]
    public async Task Every_problem_code_is_in_the_document_with_its_status_and_every_keyed_operation_names_the_bearer_scheme()
    {
        var document = JsonNode.Parse(await GenerateAsync())!;
        var problem = document["components"]!["schemas"]![ShroudOpenApi.ProblemSchemaName]!;
        Assert.Equal(
            ShroudError.All.Select(e => e.Code).Order(StringComparer.Ordinal),
            problem["properties"]!["code"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal));

        var scheme = document["components"]!["securitySchemes"]![ShroudOpenApi.SecuritySchemeName]!;
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());

        // Each problem an operation documents sits under its code's status; the codes only the router answers are the exceptions.
        var answered = new HashSet<string>();
        foreach (var (operation, name) in AllOperations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                foreach (var (code, _) in response!["content"]?["application/problem+json"]?["examples"]?.AsObject() ?? [])
                {
                    Assert.Equal(ShroudError.All.Single(e => e.Code == code).Status.ToString(System.Globalization.CultureInfo.InvariantCulture), status);
                    answered.Add(code);
                }
            }

            var anonymous = name is "GET /api/health" or "HEAD /api/health" or "GET /api/openapi.json" or "GET /api/console/{path}"
                or "POST /api/apps/{appId}/channels/{channelId}/webhook" or "GET /api/apps/{appId}/channels/{channelId}/webhook";
            Assert.True(anonymous == operation["security"] is null, $"{name}: security {operation["security"]?.ToJsonString()}");
            Assert.True(anonymous || operation["responses"]!["401"] is not null, $"{name} documents no 401.");
        }

        Assert.Equal(
            ShroudError.All.Select(e => e.Code).Except([ShroudError.MethodNotAllowed.Code, ShroudError.BadRequest.Code]).Order(StringComparer.Ordinal),
            answered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_example_binds_to_its_type_as_strictly_as_a_request_body_is_read()
    {
        var document = JsonNode.Parse(await GenerateAsync())!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ShroudJson.Configure(options);

        foreach (var (type, example) in ApiExamples.All)
        {
            var schema = schemas.Single(s => s.Key == type.Name).Value!;
            var documented = Assert.Single(schema["examples"]!.AsArray())!;
            var bound = documented.Deserialize(type, options);
            Assert.Equal(JsonSerializer.Serialize(example, type, options), JsonSerializer.Serialize(bound, type, options));
        }

        Assert.NotNull(schemas["EncryptRequest"]!["examples"]);
        Assert.NotNull(schemas["DecryptResponse"]!["examples"]);
    }

    [Fact]
    public void The_readmes_route_description_example_is_a_route_as_MapShroudApi_describes_it()
    {
        var readme = RepositoryFiles.Read("README.md");
        var start = readme.IndexOf("**Describing a route.**", StringComparison.Ordinal);
        Assert.True(start > 0, "The README does not say how to describe a route.");
        var example = readme[start..].Split("```csharp\n", 2)[1].Split("\n```", 2)[0].Split('\n').Select(l => l.Trim()).ToList();
        var code = RepositoryFiles.Read("src/Shroud.Api/ApiServiceCollectionExtensions.cs").Split('\n').Select(l => l.Trim()).ToList();

        var at = code.IndexOf(example[0]);
        Assert.True(at >= 0, $"MapShroudApi maps no route as `{example[0]}`.");
        Assert.Equal(example, code.Skip(at).Take(example.Count));
    }

    private async Task<string> GenerateAsync()
    {
        await using var factory = new ShroudFactory(azurite);
        var provider = factory.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>(ShroudOpenApi.DocumentName);
        var document = await provider.GetOpenApiDocumentAsync();
        return (await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1)).ReplaceLineEndings("\n") + "\n";
    }

    private static HashSet<string> Operations(JsonNode document) => AllOperations(document).Select(o => o.Name).ToHashSet();

    private static IEnumerable<(JsonNode Operation, string Name)> AllOperations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(o => o.Key is "get" or "head" or "post" or "put" or "patch" or "delete")
            .Select(o => (o.Value!, $"{o.Key.ToUpperInvariant()} {path.Key}")));

    private static string Difference(string host, HashSet<string> served, HashSet<string> documented) =>
        $"Served by the {host} only: {string.Join(", ", served.Except(documented).Order())}. " +
        $"Documented only: {string.Join(", ", documented.Except(served).Order())}.";

    private static string FirstDifference(string committed, string generated)
    {
        var committedLines = committed.Split('\n');
        var generatedLines = generated.Split('\n');
        for (var i = 0; i < Math.Max(committedLines.Length, generatedLines.Length); i++)
        {
            var a = i < committedLines.Length ? committedLines[i] : "(end)";
            var b = i < generatedLines.Length ? generatedLines[i] : "(end)";
            if (a != b)
            {
                return $"line {i + 1}: committed `{a.Trim()}`, generated `{b.Trim()}`.";
            }
        }

        return "none.";
    }

    // OpenAPI has no catch-all parameters: a route's {*path} is documented as the path parameter {path}.
    private static string CatchAllAsParameter(string route) => route.Replace("{*", "{", StringComparison.Ordinal);
}
