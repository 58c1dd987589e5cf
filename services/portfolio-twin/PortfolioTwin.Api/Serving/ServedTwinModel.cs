using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model;
using Platform.PortfolioTwin.Model.Features;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>
/// <see cref="IServedTwin"/> over the trained <see cref="TwinModel"/>. A model is trained on one tenant: its learned user
/// embeddings are only used for that tenant, so the same user id elsewhere is folded in from that tenant's own data.
/// </summary>
public sealed class ServedTwinModel(TwinModel model) : IServedTwin
{
    public TwinModel Model => model;

    public int Dimension => model.EmbeddingSize;

    public float[][] Encode(IReadOnlyList<Property> properties, IReadOnlyList<double?> estimatedValues)
    {
        // Scaled rows built here rather than EncodeProperties: that keys estimates by property id, and ad-hoc features have none.
        var width = PropertyFeatureBuilder.FeatureCount;
        var scaled = new float[properties.Count * width];
        for (var i = 0; i < properties.Count; i++)
        {
            model.ScaledFeatures(properties[i], estimatedValues[i]).CopyTo(scaled, i * width);
        }

        return model.EncodeScaled(scaled, properties.Count);
    }

    public float[]? TrainedUserEmbedding(string tenantId, string userId) =>
        string.Equals(model.Metadata.TenantId, tenantId, StringComparison.Ordinal) ? model.FindUser(userId)?.Vector : null;

    public float[]? FoldIn(IReadOnlyList<(float[] PropertyVector, InteractionKind Kind)> touched) =>
        model.FoldInUser(null, touched) is { IsFallback: false } user ? user.Vector : null;

    public (double Affinity, double Confidence) Score(float[] userVector, int interactionCount, float[] propertyVector)
    {
        var score = model.Score(new UserEmbedding(null, userVector, interactionCount, IsFallback: false), propertyVector);
        return (score.Affinity, score.Confidence);
    }

    public IReadOnlyList<FeatureContribution> Explain(float[] userVector, Property property, double? estimatedValue, int top) =>
        [.. model.Explain(new UserEmbedding(null, userVector, 0, IsFallback: false), property, estimatedValue)
            .Take(top)
            .Select(c => new FeatureContribution(c.Feature, c.RawValue, c.Contribution))];
}

/// <summary>Loads registered twin model files (<see cref="TwinModel.Load"/>).</summary>
public sealed class TwinModelLoader : IModelLoader<IServedTwin>
{
    public IServedTwin Load(byte[] modelFile)
    {
        using var stream = new MemoryStream(modelFile, writable: false);
        return new ServedTwinModel(TwinModel.Load(stream));
    }
}
