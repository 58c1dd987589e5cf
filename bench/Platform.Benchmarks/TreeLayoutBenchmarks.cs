using BenchmarkDotNet.Attributes;
using Platform.Host.Benchmarks;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Prediction;

namespace Platform.Benchmarks;

/// <summary>
/// A model's tree members scored, with and without contributions, in each evaluation layout side by side in one run: depth
/// groups of padded complete trees (what serves, with trees deeper than the padding limit still linked), and the linked walk
/// of every tree. The small market's model has a thousand or more trees of a few leaves; the 100k-sale model fewer and
/// deeper ones.
/// </summary>
[MemoryDiagnoser]
public class TreeLayoutBenchmarks
{
    private (TreeLayout Layout, double Weight, double Bias)[] _members = [];
    private float[][] _rows = [];
    private double[] _slots = [];
    private int _next;

    [Params("padded", "linked")]
    public string Layout { get; set; } = "padded";

    /// <summary>The small market's model, or the 100k-sale model of <see cref="PricePredictionBenchmarks"/> (deeper trees).</summary>
    [Params("small market", "100k sales")]
    public string Model { get; set; } = "small market";

    [GlobalSetup]
    public void Setup()
    {
        var model = Model == "100k sales"
            ? PriceModelBenchmarkModel.LoadOrTrain()
            : PriceModelBenchmarkModel.LoadOrTrain("small-2300-seed42", 2_300, PriceModelBenchmarkModel.SmallMarketOptions);
        IEnumerable<(TreeEnsemble Trees, double Weight)> ensembles = model.State.Members is { } members
            ? members.Where(m => m.Trees is not null).Select(m => (m.Trees!, m.Weight))
            : [(model.Ensemble, 1.0)];
        _members = [.. ensembles.Select(e => (Layout == "linked" ? new LinkedTreeLayout(e.Trees.Trees) : TreeLayout.For(e.Trees), e.Weight, e.Trees.Bias))];
        _rows = [.. BenchmarkSales.Create(1000, 43).Select(row =>
        {
            var x = new float[model.Encoder.Width];
            model.Encoder.Encode(row, x);
            return x;
        })];
        _slots = new double[model.Encoder.Width];
    }

    [Benchmark(Description = "score 1 row with contributions, tree members of the blend")]
    public double ScoreWithContributions()
    {
        var x = _rows[_next++ % _rows.Length];
        double score = 0;
        foreach (var (layout, weight, bias) in _members) score += weight * (bias + layout.PredictWithContributions(x, _slots, weight));
        return score;
    }

    [Benchmark(Description = "score 1 row, tree members of the blend")]
    public double Score()
    {
        var x = _rows[_next++ % _rows.Length];
        double score = 0;
        foreach (var (layout, weight, bias) in _members) score += weight * (bias + layout.Predict(x));
        return score;
    }
}
