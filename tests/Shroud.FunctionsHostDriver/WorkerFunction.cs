using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Shroud.FunctionsHostDriver.Rpc;

namespace Shroud.FunctionsHostDriver;

/// <summary>One function as the worker reports it in its metadata: its id, name and trigger binding.</summary>
public sealed class WorkerFunction
{
    internal WorkerFunction(RpcFunctionMetadata metadata)
    {
        Metadata = metadata;
        var bindings = metadata.RawBindings.Select(raw => JsonNode.Parse(raw)!.AsObject()).ToList();
        Trigger = bindings.SingleOrDefault(b => ((string?)b["type"])?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true)
            ?? throw new InvalidOperationException($"Function {metadata.Name} has no trigger binding.");
        Bindings = bindings;
    }

    public string Name => Metadata.Name;

    public string Id => Metadata.FunctionId;

    /// <summary>The trigger binding as the worker declared it, for example <c>{ "type": "httpTrigger", "route": "apps", … }</c>.</summary>
    public JsonObject Trigger { get; }

    public string TriggerType => (string)Trigger["type"]!;

    public string TriggerName => (string)Trigger["name"]!;

    /// <summary>The HTTP methods of an HTTP trigger, upper case.</summary>
    public IReadOnlyList<string> Methods => Trigger["methods"]?.AsArray().Select(m => ((string)m!).ToUpperInvariant()).ToList() ?? [];

    /// <summary>The route template of an HTTP trigger, relative to the route prefix.</summary>
    public string? Route => (string?)Trigger["route"];

    /// <summary>The schedule expression of a timer trigger as declared, for example <c>%Maintenance:Schedule%</c>.</summary>
    public string? Schedule => (string?)Trigger["schedule"];

    /// <summary>The queue name of a queue trigger as declared, for example <c>%Storage:DeliveryQueue%</c>.</summary>
    public string? QueueName => (string?)Trigger["queueName"];

    /// <summary>The connection a trigger names: an app setting, or the prefix of identity-based settings.</summary>
    public string? Connection => (string?)Trigger["connection"];

    internal IReadOnlyList<JsonObject> Bindings { get; }

    internal RpcFunctionMetadata Metadata { get; }

    /// <summary>
    /// The load request the Functions host sends for this function: the worker's metadata with its raw bindings
    /// parsed into the binding map the worker builds its function definition from.
    /// </summary>
    internal FunctionLoadRequest ToLoadRequest()
    {
        var metadata = Metadata.Clone();
        metadata.Bindings.Clear();
        foreach (var binding in Bindings)
        {
            var info = new BindingInfo
            {
                Type = (string)binding["type"]!,
                Direction = ((string?)binding["direction"])?.ToLowerInvariant() switch
                {
                    "out" => BindingInfo.Types.Direction.Out,
                    "inout" => BindingInfo.Types.Direction.Inout,
                    _ => BindingInfo.Types.Direction.In,
                },
                DataType = ((string?)binding["dataType"])?.ToLowerInvariant() switch
                {
                    "string" => BindingInfo.Types.DataType.String,
                    "binary" => BindingInfo.Types.DataType.Binary,
                    "stream" => BindingInfo.Types.DataType.Stream,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            metadata.Bindings[(string)binding["name"]!] = info;
        }

        return new FunctionLoadRequest { FunctionId = Id, Metadata = metadata };
    }
}

/// <summary>
/// Picks the HTTP function for a request as the Functions host does: the route templates of the worker's HTTP triggers
/// under the <c>host.json</c> route prefix, most specific first, then the method.
/// </summary>
internal sealed class FunctionRouter
{
    private readonly List<(WorkerFunction Function, TemplateMatcher Matcher)> routes;

    public FunctionRouter(IEnumerable<WorkerFunction> functions, string routePrefix)
    {
        routes = functions
            .Where(f => f.Route is not null)
            .Select(f => (Function: f, Template: TemplateParser.Parse(CombinePrefix(routePrefix, f.Route!))))
            .OrderBy(r => RoutePrecedence.ComputeInbound(r.Template))
            .ThenBy(r => r.Template.TemplateText, StringComparer.Ordinal)
            .Select(r => (r.Function, new TemplateMatcher(r.Template, new RouteValueDictionary())))
            .ToList();
    }

    public static string CombinePrefix(string routePrefix, string route) =>
        routePrefix.Length == 0 ? route : $"{routePrefix.Trim('/')}/{route.TrimStart('/')}";

    /// <summary>The function whose route and method match <paramref name="path"/> (starting with <c>/</c>), with the route values; null when none does (the host answers 404).</summary>
    public (WorkerFunction Function, RouteValueDictionary Values)? Match(string method, string path)
    {
        foreach (var (function, matcher) in routes)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values) && function.Methods.Contains(method.ToUpperInvariant()))
            {
                return (function, values);
            }
        }

        return null;
    }
}
