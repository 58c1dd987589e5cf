using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Audit;

/// <summary>
/// What the filter knows of a finished action: the request, the handler's arguments and the value it answered with
/// (null for a result without one, or when the action failed).
/// </summary>
public sealed record AuditedCall(HttpContext Http, IList<object?> Arguments, object? Value);

/// <summary>
/// Records the endpoint's action in the <see cref="IAuditLog"/> once the handler has answered: identity, tenant, action, target
/// and the outcome read from the result's status (or the exception's). It runs inside the credential checks, so a caller
/// refused for want of a credential records nothing (that cannot flood the log); everything past them is recorded, refusals
/// included. The action's answer stands even if recording fails: the failure is logged as an error, never swallowed silently.
/// </summary>
public sealed class AuditEndpointFilter(string action, Func<AuditedCall, string> target, Func<AuditedCall, IReadOnlyDictionary<string, object?>?>? detail)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        // Resolved before the action runs: a host without an audit log fails the call instead of acting unrecorded.
        var log = context.HttpContext.RequestServices.GetRequiredService<IAuditLog>();
        object? result;
        try
        {
            result = await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            await RecordAsync(log, context, StatusOf(exception, context.HttpContext), null).ConfigureAwait(false);
            throw;
        }

        await RecordAsync(log, context, StatusOf(result, context.HttpContext), ValueOf(result)).ConfigureAwait(false);
        return result;
    }

    private async Task RecordAsync(IAuditLog log, EndpointFilterInvocationContext context, int status, object? value)
    {
        var http = context.HttpContext;
        var outcome = status >= 500 ? AuditOutcome.Failed : status >= 400 ? AuditOutcome.Rejected : AuditOutcome.Succeeded;
        var call = new AuditedCall(http, context.Arguments, outcome == AuditOutcome.Succeeded ? value : null);
        var record = new AuditRecord(AuditIdentity.Of(http), AuditIdentity.TenantOf(http), action, target(call), outcome, status,
            outcome == AuditOutcome.Succeeded ? detail?.Invoke(call) : null);
        try
        {
            // Not the request's token: a caller hanging up after the action must not erase its record.
            await log.RecordAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<AuditEndpointFilter>().LogError(exception,
                "Could not record audit entry {Action} on {Target} by {Identity} ({Outcome} {Status})",
                record.Action, record.Target, record.Identity, record.Outcome, status);
        }
    }

    /// <summary>The status the exception handler will answer with: a problem's own, a module's mapping of it, else 500.</summary>
    private static int StatusOf(Exception exception, HttpContext http)
    {
        if (exception is ProblemException problem)
        {
            return problem.Status;
        }

        var mappings = http.RequestServices.GetService<IOptions<ProblemMappingOptions>>()?.Value.Mappings ?? [];
        var mapping = mappings.FirstOrDefault(m => m.Exception.IsInstanceOfType(exception));
        return mapping.Map is { } map ? map(exception).Status : StatusCodes.Status500InternalServerError;
    }

    private static int StatusOf(object? result, HttpContext http)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result switch
        {
            IStatusCodeHttpResult { StatusCode: { } status } => status,
            IResult => StatusCodes.Status200OK,
            null => http.Response.StatusCode,
            _ => StatusCodes.Status200OK,
        };
    }

    private static object? ValueOf(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result is IValueHttpResult valued ? valued.Value : result is IResult ? null : result;
    }
}

public static class AuditEndpointExtensions
{
    /// <summary>
    /// Records every call of the endpoint (or group) as <paramref name="action"/> on a target built from route values:
    /// <paramref name="targetTemplate"/> such as <c>"{model}/{alias}"</c>. Add it after the credential check.
    /// </summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action, string targetTemplate,
        Func<AuditedCall, IReadOnlyDictionary<string, object?>?>? detail = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Audited(action, call => FromRoute(targetTemplate, call.Http), detail);

    /// <summary>Records every call of the endpoint (or group) as <paramref name="action"/> on the target <paramref name="target"/> names.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action, Func<AuditedCall, string> target,
        Func<AuditedCall, IReadOnlyDictionary<string, object?>?>? detail = null)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!AuditActions.IsValid(action))
        {
            throw new ArgumentException($"'{action}' is not an audit action (lower-case, dotted, at most 64 characters).", nameof(action));
        }

        ArgumentNullException.ThrowIfNull(target);
        var filter = new AuditEndpointFilter(action, target, detail);
        return builder.AddEndpointFilter(filter);
    }

    /// <summary><paramref name="template"/> with each <c>{name}</c> replaced by that route value (a name the route lacks stays as written).</summary>
    public static string FromRoute(string template, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(http);
        var target = template;
        foreach (var (name, value) in http.Request.RouteValues)
        {
            target = target.Replace("{" + name + "}", Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return target;
    }
}
