using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Model.Baselines;

/// <summary>Weighted popularity of properties among training users (cold items excluded).</summary>
public static class Popularity
{
    public static float[] Counts(InteractionIndex index, EvaluationSplit split, string? segment, InteractionWeights? weights = null)
    {
        weights ??= InteractionWeights.Default;
        var counts = new float[index.Properties.Count];
        foreach (var user in split.TrainUsers)
        {
            if (segment is not null && index.SegmentOf(user) != segment) continue;
            foreach (var s in index.Signals[user])
            {
                if (s.IsPositive && !split.IsCold[s.Property]) counts[s.Property] += weights.Of(s.Kind);
            }
        }
        return counts;
    }

    public static List<string> Top(InteractionIndex index, EvaluationSplit split, string? segment, int count, InteractionWeights? weights = null)
    {
        var counts = Counts(index, split, segment, weights);
        return [.. TwinEvaluator.TopK(counts, count, p => counts[p] > 0).Select(p => index.Properties[p].PropertyId)];
    }
}

/// <summary>Baseline: the most popular properties for everyone, ignoring the user's history.</summary>
public sealed class MostPopularRecommender(InteractionIndex index, EvaluationSplit split) : IUserScorer
{
    private readonly float[] _counts = Popularity.Counts(index, split, null);

    public string Name => "most-popular";

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores) => _counts.CopyTo(scores);
}
