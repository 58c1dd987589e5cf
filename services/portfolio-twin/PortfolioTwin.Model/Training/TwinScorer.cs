using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Model.Training;

/// <summary>Scores properties for a folded-in user: affinity between the user's weighted mean embedding and each property.</summary>
public sealed class TwinScorer(float[][] propertyEmbeddings, InteractionWeights weights) : IUserScorer
{
    public string Name => "portfolio-twin";

    public float[] FoldIn(ReadOnlySpan<UserSignal> history)
    {
        var size = propertyEmbeddings.Length > 0 ? propertyEmbeddings[0].Length : 0;
        var user = new float[size];
        foreach (var signal in history)
        {
            var w = weights.Of(signal.Kind);
            var p = propertyEmbeddings[signal.Property];
            for (var d = 0; d < size; d++) user[d] += w * p[d];
        }
        return user;
    }

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        var user = FoldIn(history);
        var norm = MathF.Sqrt(user.Sum(v => v * v));
        for (var p = 0; p < propertyEmbeddings.Length; p++)
        {
            if (norm < 1e-8f) { scores[p] = 0.5f; continue; }
            var e = propertyEmbeddings[p];
            float dot = 0;
            for (var d = 0; d < e.Length; d++) dot += user[d] * e[d];
            scores[p] = (dot / norm + 1) / 2; // property embeddings are unit length
        }
    }
}
