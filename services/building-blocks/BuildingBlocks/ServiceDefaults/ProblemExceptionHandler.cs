using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>Domain exceptions a module turns into problems, registered with <see cref="ProblemMappingExtensions.AddProblemMapping{TException}"/>.</summary>
public sealed class ProblemMappingOptions
{
    internal List<(Type Exception, Func<Exception, ProblemException> Map)> Mappings { get; } = [];
}

public static class ProblemMappingExtensions
{
    /// <summary>
    /// An unhandled <typeparamref name="TException"/> (or a subclass) becomes the problem <paramref name="map"/> describes, so a
    /// domain library can throw its own exceptions without knowing HTTP. The first matching registration wins.
    /// </summary>
    public static IServiceCollection AddProblemMapping<TException>(this IServiceCollection services, Func<TException, ProblemException> map)
        where TException : Exception
    {
        services.Configure<ProblemMappingOptions>(o => o.Mappings.Add((typeof(TException), exception => map((TException)exception))));
        return services;
    }
}

/// <summary>
/// The platform's one exception-to-problem-details mechanism, behind <c>UseExceptionHandler()</c>: a
/// <see cref="ProblemException"/>, or an exception a module mapped to one, is written through <see cref="IProblemDetailsService"/>
/// (so it carries the <c>requestId</c> like every other problem) with its status, <c>field</c>, extensions and Retry-After.
/// Anything else is left to the default handler: a 500 problem without internals.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problemDetails, IOptions<ProblemMappingOptions> mappings) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (ToProblem(exception) is not { } problem)
        {
            return false;
        }

        var details = new ProblemDetails { Status = problem.Status, Title = problem.Title, Detail = problem.Message, Type = problem.Type };
        if (problem.Field is not null)
        {
            details.Extensions["field"] = problem.Field;
        }

        foreach (var (name, value) in problem.Extensions ?? new Dictionary<string, object?>())
        {
            details.Extensions[name] = value;
        }

        httpContext.Response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = details,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    private ProblemException? ToProblem(Exception exception)
    {
        if (exception is ProblemException problem)
        {
            return problem;
        }

        foreach (var (type, map) in mappings.Value.Mappings)
        {
            if (type.IsInstanceOfType(exception))
            {
                return map(exception);
            }
        }

        return null;
    }
}
