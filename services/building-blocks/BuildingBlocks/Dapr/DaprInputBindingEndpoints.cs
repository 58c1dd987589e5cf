using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>Routes for Dapr input bindings such as the <c>bindings.cron</c> retraining schedule.</summary>
public static class DaprInputBindingEndpoints
{
    /// <summary>Input bindings in <c>components/</c> set <c>route: /bindings/{name}</c> so the app token guards them.</summary>
    public const string RoutePrefix = "/bindings";

    /// <summary>
    /// Maps <c>POST /bindings/{bindingName}</c> to <paramref name="onTrigger"/>. A 200 reply acknowledges the trigger; an
    /// exception makes it a 500, which Dapr reports as a failed delivery.
    /// </summary>
    public static IEndpointConventionBuilder MapDaprInputBinding(
        this IEndpointRouteBuilder endpoints, string bindingName, Func<IServiceProvider, CancellationToken, Task> onTrigger)
    {
        ArgumentException.ThrowIfNullOrEmpty(bindingName);
        ArgumentNullException.ThrowIfNull(onTrigger);
        return endpoints.MapPost($"{RoutePrefix}/{bindingName}", async (HttpContext context, CancellationToken cancellationToken) =>
            {
                await onTrigger(context.RequestServices, cancellationToken).ConfigureAwait(false);
                return Results.Ok();
            })
            .ExcludeFromDescription();
    }
}
