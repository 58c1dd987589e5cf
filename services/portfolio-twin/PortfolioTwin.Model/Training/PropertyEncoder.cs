using Platform.PortfolioTwin.Model.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.PortfolioTwin.Model.Training;

/// <summary>25 scaled features → 128 → 64 → 32 → 16 (BatchNorm, ReLU, Dropout between layers), L2-normalised.</summary>
public sealed class PropertyEncoder : nn.Module<Tensor, Tensor>
{
    public const int EmbeddingSize = 16;
    // TorchSharp names the saved parameters after the fields ("layers.0.weight"), so this one keeps its name.
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> layers;
#pragma warning restore IDE1006

    public PropertyEncoder(double dropout = 0.2) : base(nameof(PropertyEncoder))
    {
        layers = nn.Sequential(
            Block(PropertyFeatureBuilder.FeatureCount, 128, dropout),
            Block(128, 64, dropout),
            Block(64, 32, dropout),
            nn.Linear(32, EmbeddingSize));
        RegisterComponents();
    }

    public override Tensor forward(Tensor features) => nn.functional.normalize(layers.call(features), p: 2, dim: 1);

    private static nn.Module<Tensor, Tensor> Block(int inputs, int outputs, double dropout) =>
        nn.Sequential(nn.Linear(inputs, outputs), nn.BatchNorm1d(outputs), nn.ReLU(), nn.Dropout(dropout));

    protected override void Dispose(bool disposing)
    {
        if (disposing) layers.Dispose();
        base.Dispose(disposing);
    }
}
