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
    private readonly int[][] usersOfProperty;
    private readonly int[][] propertiesOfUser;
    private readonly float[] inverseSqrtDegree;
    private readonly InteractionWeights weights;

    public ItemKnnRecommender(InteractionIndex index, EvaluationSplit split, InteractionWeights? weights = null)
    {
        this.weights = weights ??= new InteractionWeights();
        propertiesOfUser = [.. split.TrainUsers.Select(u => index.Signals[u].Where(s => s.IsPositive && !split.IsCold[s.Property]).Select(s => s.Property).ToArray())];
        var lists = new List<int>[index.Properties.Count];
        for (var u = 0; u < propertiesOfUser.Length; u++)
        {
            foreach (var p in propertiesOfUser[u]) (lists[p] ??= []).Add(u);
        }
        usersOfProperty = [.. lists.Select(l => l?.ToArray() ?? [])];
        inverseSqrtDegree = [.. usersOfProperty.Select(u => u.Length > 0 ? 1 / MathF.Sqrt(u.Length) : 0f)];
    }

    public string Name => "item-knn";

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        scores.Clear();
        foreach (var signal in history)
        {
            if (!signal.IsPositive) continue;
            var w = weights.Of(signal.Kind) * inverseSqrtDegree[signal.Property];
            foreach (var user in usersOfProperty[signal.Property])
            {
                foreach (var other in propertiesOfUser[user]) scores[other] += w;
            }
        }
        for (var p = 0; p < scores.Length; p++) scores[p] *= inverseSqrtDegree[p];
    }
}
