using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Endpoints;

public static class EstimateEndpoints
{
    public static RouteGroupBuilder MapEstimateEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Estimates").RequireScope(PlatformScopes.Estimate).RequireTenant()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        var batchLimit = routes.ServiceProvider.GetRequiredService<IOptions<ValuationOptions>>().Value.BatchLimit;
        group.MapPost("/estimate", EstimateAsync)
            .WithRequestBodyLimit(RequestBodyLimit.ForBatch(batchLimit))
            .WithName("Estimate")
            .WithSummary("Estimates prices for a batch of properties with the tenant's champion.")
            .WithDescription("Each row gets an estimate with an interval, the model version and its top feature contributions, or a problem "
                + "naming the offending field. 200 when at least one row was estimated, 422 when none was, 413 over the batch limit, "
                + "503 with Retry-After before the tenant has a model (another tenant's is never used). ?comparables=k adds k comparable sales per row.")
            .Accepts<EstimateRequest>("application/json")
            .Produces<EstimateResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<Results<JsonHttpResult<EstimateResponse>, ProblemHttpResult>> EstimateAsync(HttpContext context, EstimationService estimation, [FromQuery] int? comparables, CancellationToken cancellationToken)
    {
        var settings = estimation.Options;
        var k = comparables ?? 0;
        if (k < 0 || k > settings.MaxComparables)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid comparables count.",
                $"comparables must be between 0 and {settings.MaxComparables}.", "comparables");
        }

        var tenantId = TenantScope.Of(context).TenantId;
        var model = await estimation.GetModelAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            throw new ModelNotDeployedException(settings.ModelName, settings.RetryAfterSeconds, tenantId);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return Problem(StatusCodes.Status400BadRequest, "The request body is not valid JSON.",
                $"Line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}: {exception.Message}", "body");
        }

        using (document)
        {
            var shape = EstimateBatchShape.Check(document.RootElement, settings.BatchLimit, out var properties);
            switch (shape)
            {
                case BatchShapeProblem.NoPropertiesArray:
                    return Problem(StatusCodes.Status400BadRequest, "The request needs a 'properties' array.",
                        "Send { \"properties\": [ { \"property_id\": \"...\", <features> }, ... ] }.", "properties");
                case BatchShapeProblem.TooManyRows:
                    return Problem(StatusCodes.Status413PayloadTooLarge, "Too many properties in one request.",
                        $"{properties.GetArrayLength()} properties sent; at most {settings.BatchLimit} per request.", "properties");
                case BatchShapeProblem.Empty:
                    return Problem(StatusCodes.Status400BadRequest, "No properties to estimate.", "'properties' is empty.", "properties");
            }

            var count = properties.GetArrayLength();
            var serving = estimation.Choose(tenantId, model);
            EstimateResponse response;
            try
            {
                response = estimation.Estimate(tenantId, serving.Model, properties, k, EstimationService.HttpSource, serving.Alias);
            }
            catch (InvalidJsonTextException exception)
            {
                return Problem(StatusCodes.Status400BadRequest, "The request has invalid text.", exception.Message, exception.Field);
            }

            if (response.Accepted == 0)
            {
                // Serialised with the host's HTTP JSON options so the rows look the same as in a 200.
                var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
                var rows = JsonSerializer.SerializeToElement(response.Results, json);
                return TypedResults.Problem(
                    title: "No property could be estimated.",
                    detail: $"All {count} rows were rejected; see 'results' for each row's problem.",
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    type: "https://platform.local/problems/valuation/no-valid-rows",
                    extensions: new Dictionary<string, object?> { ["field"] = "properties", ["results"] = rows });
            }

            // The generated serializer (the hot path: no reflection-built converters); it writes the host's wire exactly.
            return TypedResults.Json(response, ValuationJsonContext.Default.EstimateResponse);
        }
    }

    internal static ProblemHttpResult Problem(int status, string title, string detail, string? field) => TypedResults.Problem(
        title: title,
        detail: detail,
        statusCode: status,
        extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });
}
