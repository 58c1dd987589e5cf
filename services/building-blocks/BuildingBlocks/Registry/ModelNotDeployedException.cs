using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// No champion is loaded yet (for the request's tenant: another tenant's model is never served instead). Every service answers it the same way (<see cref="ToProblem"/>): 503 problem details with a
/// Retry-After, so clients wait for the first deployment instead of treating it as a failure.
/// </summary>
public sealed class ModelNotDeployedException(string modelName, int retryAfterSeconds, string? tenantId = null)
    : Exception(tenantId is null
        ? $"No champion of '{modelName}' is loaded yet; retry after {retryAfterSeconds} s."
        : $"No champion of '{modelName}' is loaded yet for tenant '{tenantId}'; retry after {retryAfterSeconds} s.")
{
    public string ModelName => modelName;

    public string? TenantId => tenantId;

    public int RetryAfterSeconds => retryAfterSeconds;

    /// <summary>The 503 answer; sets the Retry-After header on <paramref name="context"/>'s response.</summary>
    public ProblemHttpResult ToProblem(HttpContext context)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(title: "No model is deployed.", detail: Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>Answers a <see cref="ModelNotDeployedException"/> thrown by an endpoint (or the services it calls) with its 503.</summary>
public sealed class ModelNotDeployedFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ModelNotDeployedException exception)
        {
            return exception.ToProblem(context.HttpContext);
        }
    }
}
