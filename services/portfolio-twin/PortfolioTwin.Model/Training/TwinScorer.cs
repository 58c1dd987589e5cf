using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;

namespace Platform.PortfolioTwin.Model.Training;

/// <summary>Scores properties for a user known by a history: affinity between the folded-in user (<see cref="UserFoldIn"/>) and each property.</summary>
public sealed class TwinScorer(float[][] propertyEmbeddings, float[] catalogCentroid, InteractionWeights weights, string name = "portfolio-twin") : IUserScorer
{
    private readonly int _dimensions = propertyEmbeddings.Length > 0 ? propertyEmbeddings[0].Length : PropertyEncoder.EmbeddingSize;

    public string Name => name;

    /// <summary>The user's unit vector, or null when the history gives no direction.</summary>
    public float[]? FoldIn(ReadOnlySpan<UserSignal> history)
    {
        var user = new float[_dimensions];
        foreach (var signal in history)
        {
            UserFoldIn.Accumulate(user, propertyEmbeddings[signal.Property], catalogCentroid, weights.Of(signal.Kind));
        }
        return UserFoldIn.Normalize(user) ? user : null;
    }

    public void Score(ReadOnlySpan<UserSignal> history, string segment, Span<float> scores)
    {
        if (FoldIn(history) is not { } user)
        {
            scores.Fill(0.5f);
            return;
        }
        for (var p = 0; p < propertyEmbeddings.Length; p++)
        {
            var e = propertyEmbeddings[p];
            float dot = 0;
            for (var d = 0; d < e.Length; d++) dot += user[d] * e[d];
            scores[p] = (dot + 1) / 2; // both are unit length: cosine mapped to [0, 1]
        }
    }
}
