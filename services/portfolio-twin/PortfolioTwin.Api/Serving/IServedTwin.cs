using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>One input feature's value and its share of a match score.</summary>
public sealed record FeatureContribution(string Feature, double Value, double Contribution);

/// <summary>
/// What the service needs of a loaded twin model: encode properties, look up trained user embeddings, fold in new users and
/// explain a match. All vectors are unit length, so cosine similarity is a dot product. Thread-safe for concurrent reads.
/// </summary>
public interface IServedTwin
{
    int Dimension { get; }

    /// <summary>Unit vectors, one per property; <paramref name="estimatedValues"/> holds the valuation estimate or null.</summary>
    float[][] Encode(IReadOnlyList<Property> properties, IReadOnlyList<double?> estimatedValues);

    /// <summary>The embedding learned in training, or null for a user (of that tenant) the model has not seen.</summary>
    float[]? TrainedUserEmbedding(string tenantId, string userId);

    /// <summary>
    /// A user vector from the properties the user touched (cold start, no retraining): weighted towards deals and likes,
    /// away from dislikes. Null when the interactions carry no preference.
    /// </summary>
    float[]? FoldIn(IReadOnlyList<(float[] PropertyVector, InteractionKind Kind)> touched);

    /// <summary>
    /// Affinity in [0, 1] (cosine similarity mapped) and how far to trust it: confidence grows with the user's interactions and
    /// the distance of the affinity from the model's decision threshold.
    /// </summary>
    (double Affinity, double Confidence) Score(float[] userVector, int interactionCount, float[] propertyVector);

    /// <summary>The input features that move this user's score for this property most, strongest first.</summary>
    IReadOnlyList<FeatureContribution> Explain(float[] userVector, Property property, double? estimatedValue, int top);
}
