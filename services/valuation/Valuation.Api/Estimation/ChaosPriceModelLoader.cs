using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Registry;

namespace Platform.Valuation.Api.Estimation;

/// <summary>The model-loading port under chaos: loading a registered model file can be slow or fail (chaos-enabled hosts only).</summary>
internal sealed class ChaosPriceModelLoader(IModelLoader<ValuationModel> inner, ChaosController chaos) : IModelLoader<ValuationModel>
{
    public ValuationModel Load(byte[] modelFile) => chaos.Execute(ChaosPorts.ModelLoading, () => inner.Load(modelFile));
}
