using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Valuation;

/// <summary>
/// The valuation model's estimate of a property, an input feature of the twin, served as training computed it (the price
/// champion pricing the property as a sale dated now). The platform host wires the valuation module in process, a Dapr
/// deployment calls the valuation service (<see cref="ValuationServiceEstimates"/>); a standalone embedded twin has no
/// price model, so the feature is "unknown" there.
/// </summary>
public interface IEstimatedValueProvider
{
    /// <summary>Estimated values in NOK, one per property in order; null where no estimate could be made.</summary>
    Task<IReadOnlyList<double?>> EstimateAsync(IReadOnlyList<Property> properties, CancellationToken cancellationToken);
}

/// <summary>No valuation available (standalone embedded twin): every property's estimated value is unknown.</summary>
public sealed class NoEstimatedValueProvider : IEstimatedValueProvider
{
    public Task<IReadOnlyList<double?>> EstimateAsync(IReadOnlyList<Property> properties, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<double?>>(new double?[properties.Count]);
}
