using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Model.Baselines;

/// <summary>
/// Baseline: item-kNN on co-interactions. Two properties are similar when the same training users touched both
/// (cosine over user sets); a user's score for a property sums its similarity to the user's history, weighted by
/// interaction strength. Computed on demand through the user lists, so no item×item matrix is stored.
/// </summary>
public sealed class ItemKnnRecommender : IUserScorer
{
    private readonly int[][] _usersOfProperty;
    private readonly int[][] _propertiesOfUser;
    private readonly float[] _inverseSqrtDegree;
    private readonly InteractionWeights _weights;

    public ItemKnnRecommender(InteractionIndex index, EvaluationSplit split, InteractionWeights? weights = null)
    {
        _weights = weights ?? InteractionWeights.Default;
        _propertiesOfUser = [.. split.TrainUsers.Select(u => index.Signals[u].Where(s => s.IsPositive && !split.IsCold[s.Property]).Select(s => s.Property).ToArray())];
        var lists = new List<int>[index.Properties.Count];
        for (var u = 0; u < _propertiesOfUser.Length; u++)
        {
            foreach (var p in _propertiesOfUser[u]) (lists[p] ??= []).Add(u);
        }
        _usersOfProperty = [.. lists.Select(l => l?.ToArray() ?? [])];
        _inverseSqrtDegree = [.. _usersOfProperty.Select(u => u.Length > 0 ? 1 / MathF.Sqrt(u.Length) : 0f)];
    }

    public string Name => "item-knn";

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        scores.Clear();
        foreach (var signal in history)
        {
            if (!signal.IsPositive) continue;
            var w = _weights.Of(signal.Kind) * _inverseSqrtDegree[signal.Property];
            foreach (var user in _usersOfProperty[signal.Property])
            {
                foreach (var other in _propertiesOfUser[user]) scores[other] += w;
            }
        }
        for (var p = 0; p < scores.Length; p++) scores[p] *= _inverseSqrtDegree[p];
    }
}
