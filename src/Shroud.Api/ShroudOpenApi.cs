using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>
/// Generates the OpenAPI 3.1 document from the local host's endpoints and their <see cref="RouteDescriptions"/>.
/// Rules every route follows are applied here rather than repeated per route: a route that takes a key answers
/// <c>401</c>, <c>403</c> and the storage problems; a route under <c>apps/{appId}</c> answers <c>app_not_found</c>;
/// every route answers <c>internal_error</c>.
/// </summary>
public static class ShroudOpenApi
{
    /// <summary>The name the document is generated under (the key of its <see cref="IOpenApiDocumentProvider"/>).</summary>
    public const string DocumentName = "shroud";

    public const string SecuritySchemeName = "appKey";

    public const string ProblemSchemaName = "Problem";

    private const string ProblemMediaType = "application/problem+json";

    public static IServiceCollection AddShroudOpenApi(this IServiceCollection services) => services.AddOpenApi(DocumentName, options =>
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
        options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeAsync);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonPropertyInfo is null && ApiExamples.For(context.JsonTypeInfo.Type) is { } example)
            {
                schema.Examples = [example];
            }

            // The generator requires every constructor parameter; a field that may be null may be left out (requests) and is
            // left out when null (answers, which never write null).
            if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
            {
                foreach (var name in required.Where(n => properties.TryGetValue(n, out var property) && property is OpenApiSchema { Type: { } type } && type.HasFlag(JsonSchemaType.Null)).ToList())
                {
                    required.Remove(name);
                }
            }

            return Task.CompletedTask;
        });
    });

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Shroud",
            Version = "1",
            Description = "Sensitive data for chat platforms: values, chat events and media sealed with envelope encryption, "
                + "revealed until their TTL and answered with the app's redaction text after it. Every error is an RFC 9457 "
                + "problem with a stable `code` (see the `Problem` schema).",
        };
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "`Authorization: Bearer <key>`: an app key (`shk_…`, created by `POST /api/apps/{appId}/keys` and shown once) "
                + "or the deployment's bootstrap admin key (setting `Shroud__BootstrapAdminKey`).",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchemaName] = ProblemSchema();
        document.Components.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var error in ShroudError.All)
        {
            document.Components.Examples[error.Code] = new OpenApiExample
            {
                Summary = $"{error.Status} {error.Title}",
                Value = new JsonObject { ["title"] = error.Title, ["status"] = error.Status, ["detail"] = ApiExamples.ProblemDetail(error), ["code"] = error.Code },
            };
        }
    }

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. `code` names the failure kind; its status is fixed per code.",
        Required = new HashSet<string> { "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong with this request; never holds a value or a key." },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = ShroudError.All.Select(e => (JsonNode)JsonValue.Create(e.Code)).ToList(),
                Description = "The failure kind and its status: "
                    + string.Join("; ", ShroudError.All.Select(e => $"`{e.Code}` {e.Status} ({e.Title})")) + ".",
            },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For `validation_failed`: each field path and what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "For server-side faults: the trace to look up." },
        },
    };

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var method = context.Description.HttpMethod ?? "";
        if (method == "HEAD" && operation.OperationId is { } id)
        {
            // One endpoint serving GET and HEAD carries one name; operation ids must be unique.
            operation.OperationId = id + "Head";
        }

        var access = metadata.OfType<RouteAccess>().LastOrDefault()
            ?? throw new InvalidOperationException($"The route {method} {context.Description.RelativePath} has no description: call Describe(...) on it in MapShroudApi.");
        operation.Description = "Caller: " + access.Text;

        var problems = new List<ShroudError>();
        if (!access.IsAnonymous)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [] }];
            problems.AddRange([ShroudError.Unauthorized, ShroudError.Forbidden, ShroudError.StorageUnavailable, ShroudError.StorageRejected]);
        }

        if (context.Description.RelativePath?.Contains("{appId}", StringComparison.Ordinal) == true)
        {
            problems.Add(ShroudError.AppNotFound);
        }

        problems.AddRange(metadata.OfType<RouteProblem>().Select(p => p.Error));
        problems.Add(ShroudError.InternalError);

        operation.Parameters ??= [];
        foreach (var parameter in metadata.OfType<RouteParameter>())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = parameter.In == "query" ? ParameterLocation.Query : ParameterLocation.Header,
                Description = parameter.Description,
                Schema = new OpenApiSchema { Type = parameter.Type == "integer" ? JsonSchemaType.Integer : JsonSchemaType.String, Format = parameter.Format },
            });
        }

        operation.Responses ??= [];
        if (metadata.OfType<ETagAnswer>().LastOrDefault() is { } etag)
        {
            if (etag.IfMatch)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Description = "The ETag of the version read (or `*`); a stale one is answered 412 `precondition_failed` and nothing changes.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }

            foreach (var (status, response) in operation.Responses.Where(r => r.Key.StartsWith('2') && r.Key != "204"))
            {
                if (response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers["ETag"] = new OpenApiHeader
                    {
                        Description = "The version of the resource answered; send it back in If-Match.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
            }
        }

        if (metadata.OfType<RouteBody>().LastOrDefault() is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [body.ContentType] = new() { Schema = await SchemaAsync(body.Type, context, cancellationToken) } },
            };
        }

        foreach (var oneOf in metadata.OfType<OneOfAnswer>())
        {
            var schemas = new List<IOpenApiSchema>();
            foreach (var type in oneOf.Types)
            {
                schemas.Add(await SchemaAsync(type, context, cancellationToken));
            }

            foreach (var media in operation.Responses[oneOf.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)].Content?.Values ?? [])
            {
                media.Schema = new OpenApiSchema { OneOf = schemas };
            }
        }

        foreach (var group in problems.Distinct().GroupBy(p => p.Status).OrderBy(g => g.Key))
        {
            operation.Responses[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ProblemResponse(group.ToList(), context.Document);
        }

        if (operation.Parameters.Count == 0)
        {
            operation.Parameters = null;
        }
    }

    /// <summary>A reference to the schema of <paramref name="type"/>, kept under components like every body the generator finds itself.</summary>
    private static async Task<IOpenApiSchema> SchemaAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(type, cancellationToken: cancellationToken);
        if (schema.Type is not JsonSchemaType.Object)
        {
            // A string (a file's bytes) or any JSON: nothing worth naming.
            return schema;
        }

        var name = SchemaName(type);
        var components = context.Document!.Components ??= new OpenApiComponents();
        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas.TryAdd(name, schema);
        return new OpenApiSchemaReference(name, context.Document);
    }

    /// <summary>The generator's component name: the type's name, generic arguments joined with "Of".</summary>
    private static string SchemaName(Type type) =>
        type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Join("And", type.GetGenericArguments().Select(SchemaName)) : type.Name;

    private static OpenApiResponse ProblemResponse(IReadOnlyList<ShroudError> errors, OpenApiDocument? document)
    {
        var response = new OpenApiResponse
        {
            Description = string.Join(" ", errors.Select(e => $"`{e.Code}`: {e.Title}")),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemMediaType] = new()
                {
                    Schema = new OpenApiSchemaReference(ProblemSchemaName, document),
                    Examples = errors.ToDictionary(e => e.Code, e => (IOpenApiExample)new OpenApiExampleReference(e.Code, document)),
                },
            },
        };
        if (errors.Contains(ShroudError.StorageUnavailable))
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                },
            };
        }

        return response;
    }
}
