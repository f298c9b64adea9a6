using System.Text.RegularExpressions;
using Shroud.Api;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>One HTTP function as the Functions sources declare it: method and route under the <c>api</c> prefix.</summary>
internal sealed record HttpFunction(string Name, string Method, string Route, string AuthorizationLevel)
{
    public override string ToString() => $"{Method} /{Route} ({Name})";
}

/// <summary>
/// The functions declared in src/Shroud.Functions, read from the sources: the project's packages do not restore here,
/// so its attributes are parsed, and any function whose trigger is not understood fails the parse.
/// </summary>
internal static partial class FunctionDeclarations
{
    public const string Folder = "src/Shroud.Functions";

    public static IReadOnlyList<HttpFunction> Http { get; }

    /// <summary>The schedule expression of every timer trigger, as written (for example <c>%Maintenance:Schedule%</c>).</summary>
    public static IReadOnlyList<string> TimerSchedules { get; }

    static FunctionDeclarations()
    {
        var http = new List<HttpFunction>();
        var timers = new List<string>();
        foreach (var file in RepositoryFiles.Under(Folder, "*.cs"))
        {
            var source = File.ReadAllText(file);
            var functions = FunctionAttribute().Matches(source);
            for (var i = 0; i < functions.Count; i++)
            {
                var name = functions[i].Groups["name"].Value;
                var end = i + 1 < functions.Count ? functions[i + 1].Index : source.Length;
                var body = source[functions[i].Index..end];
                if (HttpTrigger().Match(body) is { Success: true } trigger)
                {
                    var route = typeof(Routes).GetField(trigger.Groups["route"].Value)?.GetRawConstantValue() as string
                        ?? throw new InvalidOperationException($"{name} names Routes.{trigger.Groups["route"].Value}, which does not exist.");
                    foreach (Capture method in trigger.Groups["method"].Captures)
                    {
                        http.Add(new HttpFunction(name, method.Value.ToUpperInvariant(), $"{Routes.Prefix}/{route}", trigger.Groups["level"].Value));
                    }
                }
                else if (TimerTrigger().Match(body) is { Success: true } timer)
                {
                    timers.Add(timer.Groups["schedule"].Value);
                }
                else
                {
                    throw new InvalidOperationException(
                        $"Function {name} in {file} has no trigger this test understands: write [HttpTrigger(AuthorizationLevel.X, \"method\", Route = Routes.Y)] or [TimerTrigger(\"%Setting%\")].");
                }
            }
        }

        Http = http;
        TimerSchedules = timers;
    }

    [GeneratedRegex("""\[Function\(nameof\((?<name>\w+)\)\)\]""")]
    private static partial Regex FunctionAttribute();

    [GeneratedRegex("""\[HttpTrigger\(AuthorizationLevel\.(?<level>\w+)(?:\s*,\s*"(?<method>[a-zA-Z]+)")+\s*,\s*Route\s*=\s*Routes\.(?<route>\w+)\s*\)\]""")]
    private static partial Regex HttpTrigger();

    [GeneratedRegex("""\[TimerTrigger\("(?<schedule>[^"]*)"\)\]""")]
    private static partial Regex TimerTrigger();
}
