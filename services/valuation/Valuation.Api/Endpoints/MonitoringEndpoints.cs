using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Api.Monitoring;

namespace Platform.Valuation.Api.Endpoints;

public static class MonitoringEndpoints
{
    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/monitoring").WithTags("Monitoring").RequireRateLimiting(ServiceDefaultsExtensions.RateLimitPolicy);
        group.MapGet("/drift", (DriftMonitor drift) => TypedResults.Json(drift.Evaluate(), ValuationJson.Options))
            .WithName("GetDrift")
            .WithSummary("PSI and Kolmogorov–Smirnov per numeric feature: recent request rows against the champion's training data.")
            .WithDescription("Levels: none below PSI 0.1, warning from 0.1, alert from 0.25 (configurable); insufficient_data until the window "
                + "holds DriftMinSamples rows. Rises are published on the drift-alerts topic.")
            .Produces<DriftReport>();
        return routes;
    }
}
