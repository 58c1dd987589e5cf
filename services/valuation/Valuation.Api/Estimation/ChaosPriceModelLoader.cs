using Platform.BuildingBlocks.Chaos;

namespace Platform.Valuation.Api.Estimation;

/// <summary>The model-loading port under chaos: loading a registered model file can be slow or fail (chaos-enabled hosts only).</summary>
internal sealed class ChaosPriceModelLoader(IPriceModelLoader inner, ChaosController chaos) : IPriceModelLoader
{
    public IPriceEstimator Load(byte[] modelFile) => chaos.Execute(ChaosPorts.ModelLoading, () => inner.Load(modelFile));
}
