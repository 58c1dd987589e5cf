using System.Text.Json;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.Valuation.Api.Estimation;

namespace Platform.Host;

/// <summary>
/// The twin's estimated-value feature in the all-in-one host: the same <see cref="PriceEstimateRows"/> a Dapr deployment sends
/// to valuation's <c>POST /estimate</c>, estimated in process by the valuation module's <see cref="EstimationService"/> (one
/// call for the whole batch) with the properties' tenant's own champion. With no price model loaded for that tenant every value
/// is unknown, as in a training run without a champion.
/// </summary>
public sealed class InProcessValuationEstimates(EstimationService estimation, TimeProvider time) : IEstimatedValueProvider
{
    public const string Source = "portfolio-twin";

    public async Task<IReadOnlyList<double?>> EstimateAsync(IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        // The indexer encodes one tenant's properties per call.
        if (properties.Count == 0 || await estimation.GetModelAsync(properties[0].TenantId, cancellationToken).ConfigureAwait(false) is not { } model)
        {
            return new double?[properties.Count];
        }

        var rows = JsonSerializer.SerializeToElement(PriceEstimateRows.For(properties, time.GetUtcNow()));
        var response = estimation.Estimate(properties[0].TenantId, model, rows, comparables: 0, Source);
        return PriceEstimateRows.Read(properties.Count, response.Results.Select(r => (r.Index, r.Status == EstimateResult.Ok, r.Estimate)));
    }
}
