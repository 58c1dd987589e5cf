using System.Numerics.Tensors;
using System.Text.Json;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// A small, exact twin for API tests that must not depend on training noise: a fixed random projection of a few property
/// features to 16-d unit vectors, user vectors "trained" as the weighted mean of the properties they touched. Saved as JSON,
/// loaded through the registry like the real model.
/// </summary>
public sealed class ProjectionTwin : IServedTwin
{
    private static readonly string[] Names = ["type_leilighet", "type_rekkehus", "type_tomannsbolig", "type_enebolig", "type_hytte",
        "log_price", "usable_area", "bedrooms", "latitude", "longitude"];

    private readonly float[][] _weights;
    private readonly Dictionary<string, float[]> _users;

    public ProjectionTwin(string tenantId, float[][] weights, Dictionary<string, float[]> users)
    {
        TenantId = tenantId;
        _weights = weights;
        _users = users;
    }

    public string TenantId { get; }

    public int Dimension => 16;

    public IReadOnlyDictionary<string, float[]> Users => _users;

    /// <summary>"Trains" on the tenant's market: user vectors are the folded-in mean of their interactions.</summary>
    public static ProjectionTwin Train(TwinTestMarket market, int seed)
    {
        var random = new Random(seed);
        var weights = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, Names.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var twin = new ProjectionTwin(market.TenantId, weights, []);
        var vectors = market.Properties.ToDictionary(p => p.PropertyId, p => twin.Encode([p], [null])[0]);
        foreach (var group in market.Interactions.GroupBy(i => i.UserId))
        {
            if (twin.FoldIn([.. group.Select(i => (vectors[i.PropertyId], i.Kind))]) is { } vector)
            {
                twin._users[group.Key] = vector;
            }
        }

        return twin;
    }

    public byte[] Save() => JsonSerializer.SerializeToUtf8Bytes(new Saved(TenantId, _weights, _users));

    public static ProjectionTwin Load(byte[] bytes)
    {
        var saved = JsonSerializer.Deserialize<Saved>(bytes) ?? throw new InvalidDataException("Empty projection twin file.");
        return new ProjectionTwin(saved.TenantId, saved.Weights, saved.Users);
    }

    public float[][] Encode(IReadOnlyList<Property> properties, IReadOnlyList<double?> estimatedValues) =>
        [.. properties.Select(p => Project(Features(p)))];

    public float[]? TrainedUserEmbedding(string tenantId, string userId) =>
        tenantId == TenantId && _users.TryGetValue(userId, out var vector) ? vector : null;

    public float[]? FoldIn(IReadOnlyList<(float[] PropertyVector, InteractionKind Kind)> touched)
    {
        var sum = new float[Dimension];
        foreach (var (vector, kind) in touched)
        {
            TensorPrimitives.MultiplyAdd(vector, Weight(kind), sum, sum);
        }

        var norm = TensorPrimitives.Norm(sum);
        if (norm < 1e-6f)
        {
            return null;
        }

        TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    public double Confidence(int interactionCount, double affinity) =>
        (1 - Math.Exp(-interactionCount / 10.0)) * Math.Abs(2 * affinity - 1);

    public IReadOnlyList<FeatureContribution> Explain(float[] userVector, Property property, double? estimatedValue, int top)
    {
        var features = Features(property);
        var full = TensorPrimitives.Dot(userVector, Project(features));
        var contributions = new List<FeatureContribution>();
        for (var i = 0; i < features.Length; i++)
        {
            var occluded = (float[])features.Clone();
            occluded[i] = 0;
            contributions.Add(new FeatureContribution(Names[i], features[i], full - TensorPrimitives.Dot(userVector, Project(occluded))));
        }

        return [.. contributions.OrderByDescending(c => Math.Abs(c.Contribution)).Take(top)];
    }

    private static float Weight(InteractionKind kind) => kind switch
    {
        InteractionKind.Deal => 4,
        InteractionKind.Outreach => 3,
        InteractionKind.Like => 2,
        InteractionKind.View => 1,
        _ => -2,
    };

    private static float[] Features(Property p)
    {
        var features = new float[Names.Length];
        features[PropertyTypes.All.ToList().IndexOf(p.PropertyType)] = 1;
        features[5] = (float)(Math.Log(p.ListingPrice ?? 1) - 15);
        features[6] = (float)(p.UsableArea / 100);
        features[7] = p.Bedrooms / 3f;
        features[8] = (float)((p.Latitude - 59.95) * 10);
        features[9] = (float)((p.Longitude - 10.8) * 10);
        return features;
    }

    private float[] Project(float[] features)
    {
        var vector = new float[Dimension];
        for (var d = 0; d < Dimension; d++)
        {
            vector[d] = TensorPrimitives.Dot(_weights[d], features);
        }

        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    private sealed record Saved(string TenantId, float[][] Weights, Dictionary<string, float[]> Users);
}

public sealed class ProjectionTwinLoader : ITwinModelLoader
{
    public IServedTwin Load(byte[] modelFile) => ProjectionTwin.Load(modelFile);
}
