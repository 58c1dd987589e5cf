using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Tenancy;
using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Valuation;

/// <summary>
/// Estimated values from the valuation service over service invocation (Dapr): the properties go as
/// <see cref="PriceEstimateRows"/> in batches of <see cref="PortfolioTwinOptions.ValuationBatchSize"/> per
/// <c>POST /estimate</c>, never one call per property. Rows valuation rejects stay unknown; with no price model deployed
/// (503) every value is unknown, as in a training run without a price champion. The call names the properties' tenant, whose
/// own price champion prices them. Other failures propagate, so an index build
/// fails (and is retried) rather than silently encoding properties without their estimate.
/// </summary>
public sealed class ValuationServiceEstimates(
    IServiceInvoker invoker,
    IOptionsMonitor<PortfolioTwinOptions> options,
    TimeProvider time,
    ILogger<ValuationServiceEstimates> logger) : IEstimatedValueProvider
{
    public async Task<IReadOnlyList<double?>> EstimateAsync(IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var rows = PriceEstimateRows.For(properties, time.GetUtcNow());
        var estimates = new double?[properties.Count];
        if (properties.Count == 0)
        {
            return estimates;
        }

        var tenant = new Dictionary<string, string> { [TenantScope.HeaderName] = properties[0].TenantId };
        for (var start = 0; start < rows.Count; start += settings.ValuationBatchSize)
        {
            var batch = rows.GetRange(start, Math.Min(settings.ValuationBatchSize, rows.Count - start));
            EstimateReply reply;
            try
            {
                reply = await invoker.InvokeAsync<EstimateCall, EstimateReply>(settings.ValuationAppId, "estimate", new EstimateCall(batch), cancellationToken, tenant)
                    .ConfigureAwait(false);
            }
            catch (ServiceInvocationException exception) when (exception.StatusCode is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status422UnprocessableEntity)
            {
                // 503: no price model yet; 422: valuation could price none of these rows. Either way their estimates are unknown.
                logger.LogDebug("Valuation gave no estimates for {Count} properties (HTTP {Status})", batch.Count, exception.StatusCode);
                continue;
            }

            var values = PriceEstimateRows.Read(batch.Count, reply.Results.Select(r => (r.Index, r.Status == "ok", r.Estimate)));
            values.CopyTo(estimates, start);
        }

        return estimates;
    }

    private sealed record EstimateCall(List<Dictionary<string, object>> Properties);

    private sealed record EstimateReply(IReadOnlyList<EstimateReplyRow> Results);

    private sealed record EstimateReplyRow(int Index, string Status, double? Estimate);
}
