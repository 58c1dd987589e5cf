namespace Platform.PortfolioTwin.Model.Training;

/// <summary>
/// Folds a user in without retraining: the weighted sum of the embeddings of the properties they touched, each taken
/// relative to the catalogue centroid (deal &gt; outreach &gt; like &gt; view; dislikes subtract). InfoNCE embeddings
/// share a common direction, the average listing; a plain mean points mostly there and ranks generic listings first.
/// Centring keeps what sets the user's properties apart, and is the gradient at zero of the softmax likelihood the
/// model trains on (Σ wᵢ·eᵢ − W·ē), the same objective a learned user embedding maximises.
/// </summary>
public static class UserFoldIn
{
    /// <summary>Mean of <paramref name="embeddings"/> (all of the same length); empty for no embeddings.</summary>
    public static float[] Centroid(IReadOnlyList<float[]> embeddings)
    {
        if (embeddings.Count == 0) return [];
        var centroid = new double[embeddings[0].Length];
        foreach (var embedding in embeddings)
        {
            for (var d = 0; d < centroid.Length; d++) centroid[d] += embedding[d];
        }
        return [.. centroid.Select(sum => (float)(sum / embeddings.Count))];
    }

    /// <summary>
    /// Adds <paramref name="weight"/> × (<paramref name="embedding"/> − <paramref name="centroid"/>) to
    /// <paramref name="sum"/>. An empty centroid (models saved before it existed) leaves the embedding uncentred.
    /// </summary>
    public static void Accumulate(Span<float> sum, ReadOnlySpan<float> embedding, ReadOnlySpan<float> centroid, float weight)
    {
        if (embedding.Length != sum.Length) throw new ArgumentException($"embedding has {embedding.Length} dimensions, expected {sum.Length}.", nameof(embedding));
        for (var d = 0; d < sum.Length; d++)
        {
            sum[d] += weight * (embedding[d] - (centroid.IsEmpty ? 0 : centroid[d]));
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place; false (and unchanged) when it is zero.</summary>
    public static bool Normalize(Span<float> vector)
    {
        float squares = 0;
        foreach (var v in vector) squares += v * v;
        var norm = MathF.Sqrt(squares);
        if (norm < 1e-8f) return false;
        for (var d = 0; d < vector.Length; d++) vector[d] /= norm;
        return true;
    }
}
