using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Shroud.Core;
using Shroud.Core.Access;

namespace Shroud.Api;

/// <summary>
/// Describes a route for the OpenAPI document, next to its mapping in <see cref="ApiServiceCollectionExtensions.MapShroudApi"/>.
/// Handlers read their bodies and query strings themselves, so nothing about them can be inferred: each route states who
/// may call it, what it takes, what it answers and which problems it adds to the ones every route of its kind answers
/// (see <see cref="ShroudOpenApi"/>).
/// </summary>
public static class RouteDescriptions
{
    /// <summary>The operation's id, tag, one-line summary and who may call it (an <see cref="Access"/> text).</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string operationId, string tag, string summary, RouteAccess access) =>
        route.WithName(operationId).WithTags(tag).WithSummary(summary).WithMetadata(access);

    /// <summary>A request body of <typeparamref name="T"/>; a JSON body adds the problems of reading one.</summary>
    /// <remarks>
    /// Not <c>Accepts&lt;T&gt;()</c>: that metadata also makes routing refuse other content types with a bare 415, where
    /// the handlers answer their own problem (and a merge patch route takes plain JSON too).
    /// </remarks>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder route, string contentType = JsonMediaType)
        where T : notnull
    {
        route.WithMetadata(new RouteBody(typeof(T), contentType));
        return contentType.EndsWith("json", StringComparison.Ordinal)
            ? route.Fails(ShroudError.InvalidJson, ShroudError.ValidationFailed, ShroudError.BodyTooLarge, ShroudError.UnsupportedMediaType)
            : route;
    }

    /// <summary>The success answer, for handlers whose return type does not name it.</summary>
    public static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder route, int status = StatusCodes.Status200OK, string contentType = JsonMediaType) =>
        route.Produces<T>(status, contentType);

    /// <summary>A success answer that is one of two bodies, as a single call or its batch form answers.</summary>
    public static RouteHandlerBuilder AnswersOneOf<TFirst, TSecond>(this RouteHandlerBuilder route) =>
        route.Produces<TFirst>().WithMetadata(new OneOfAnswer(StatusCodes.Status200OK, [typeof(TFirst), typeof(TSecond)]));

    /// <summary>Problems the route answers beyond those every route of its kind answers.</summary>
    public static RouteHandlerBuilder Fails(this RouteHandlerBuilder route, params ShroudError[] errors) =>
        route.WithMetadata(errors.Select(e => new RouteProblem(e)).ToArray<object>());

    /// <summary>A query parameter the handler reads itself.</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder route, string name, string description, string type = "string", string? format = null) =>
        route.WithMetadata(new RouteParameter(name, "query", description, type, format));

    /// <summary>A request header the handler reads itself.</summary>
    public static RouteHandlerBuilder Header(this RouteHandlerBuilder route, string name, string description) =>
        route.WithMetadata(new RouteParameter(name, "header", description, "string", null));

    /// <summary>The answer carries an <c>ETag</c>; with <paramref name="ifMatch"/>, the route honours <c>If-Match</c> and answers 412 when it is stale.</summary>
    public static RouteHandlerBuilder ETagged(this RouteHandlerBuilder route, bool ifMatch = false) =>
        (ifMatch ? route.Fails(ShroudError.PreconditionFailed) : route).WithMetadata(new ETagAnswer(ifMatch));

    private const string JsonMediaType = "application/json";
}

/// <summary>Who may call a route; anything but <see cref="Anonymous"/> presents a key as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
public sealed record RouteAccess(string Text, bool IsAnonymous = false)
{
    public static readonly RouteAccess Anonymous = new("Anonymous: no key.", IsAnonymous: true);

    public static readonly RouteAccess Bootstrap = new("The deployment's bootstrap admin key.");

    /// <summary>Any key of the app, whatever its permissions (what it gets may depend on them).</summary>
    public static readonly RouteAccess AnyAppKey = new("Any key of the app.");

    /// <summary>An app key holding <paramref name="permission"/>; the bootstrap admin key holds <c>admin</c> on every app.</summary>
    public static RouteAccess AppKey(Permissions permission) => new(
        $"An app key with the `{PermissionNames.Format(permission).Single()}` permission"
        + (permission == Permissions.Admin ? ", or the bootstrap admin key." : "."));
}

/// <summary>A problem a route answers, as endpoint metadata.</summary>
public sealed record RouteProblem(ShroudError Error);

/// <summary>The body a handler reads itself, as endpoint metadata.</summary>
public sealed record RouteBody(Type Type, string ContentType);

/// <summary>A parameter a handler reads itself, as endpoint metadata.</summary>
public sealed record RouteParameter(string Name, string In, string Description, string Type, string? Format);

/// <summary>An answer with an <c>ETag</c> header, as endpoint metadata.</summary>
public sealed record ETagAnswer(bool IfMatch);

/// <summary>A success answer that is one of several bodies, as endpoint metadata.</summary>
public sealed record OneOfAnswer(int Status, IReadOnlyList<Type> Types);
