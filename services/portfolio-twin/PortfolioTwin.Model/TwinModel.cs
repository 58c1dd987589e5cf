using System.Text.Json;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Features;
using Platform.PortfolioTwin.Model.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.PortfolioTwin.Model;

/// <summary>An affinity in [0, 1] with a confidence in [0, 1]; fallback scores come from popularity, not the user.</summary>
public sealed record AffinityScore(double Affinity, double Confidence, bool IsFallback);

/// <summary>A user's position in embedding space and how many interactions it rests on.</summary>
public sealed record UserEmbedding(string? UserId, float[] Vector, int InteractionCount, bool IsFallback);

/// <summary>One feature's share of an affinity (gradient × input on the scaled features).</summary>
public sealed record FeatureContribution(string Feature, double RawValue, double Contribution);

/// <summary>Facts about a trained model saved inside the model file.</summary>
public sealed record TwinModelMetadata
{
    public int FormatVersion { get; init; } = 1;
    public string TenantId { get; init; } = "";
    public DateTimeOffset TrainedAt { get; init; }
    public int Seed { get; init; }
    public double Temperature { get; init; }
    /// <summary>Affinity at or above which a property counts as a match (calibrated on held-out users).</summary>
    public double DecisionThreshold { get; init; } = 0.5;
    public int EpochsRun { get; init; }
    public Dictionary<string, double> Metrics { get; init; } = [];
    /// <summary>Most popular property ids overall and per segment, for users with no history.</summary>
    public List<string> PopularProperties { get; init; } = [];
    public Dictionary<string, List<string>> PopularBySegment { get; init; } = [];
    /// <summary>
    /// Mean embedding of the training catalogue; folding a user in subtracts it (see <see cref="UserFoldIn"/>).
    /// Empty in models saved before it existed, which fold in uncentred.
    /// </summary>
    public float[] CatalogCentroid { get; init; } = [];
    /// <summary>The interaction weights the model was trained with; serving folds users in with the same. Older files: the default.</summary>
    public InteractionWeights Weights { get; init; } = InteractionWeights.Default;
}

/// <summary>
/// The trained Portfolio Twin: property encoder, feature scaler, learned user embeddings and metadata, saved
/// as one stream. Inference only (the encoder runs in eval mode); thread-safe for concurrent reads.
/// </summary>
public sealed class TwinModel : IDisposable
{
    private const string Magic = "PTWIN";
    private readonly PropertyEncoder _encoder;
    private readonly Dictionary<string, int> _userIndex;
    private readonly float[][] _userVectors;
    private readonly int[] _userInteractionCounts;
    private readonly Lock _gate = new();

    public TwinModel(PropertyEncoder encoder, FeatureScaler scaler, IReadOnlyList<string> userIds, float[][] userVectors, int[] userInteractionCounts, TwinModelMetadata metadata)
    {
        _encoder = encoder;
        _encoder.eval();
        Scaler = scaler;
        UserIds = userIds;
        _userVectors = userVectors;
        _userInteractionCounts = userInteractionCounts;
        Metadata = metadata;
        _userIndex = new Dictionary<string, int>(userIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < userIds.Count; i++) _userIndex[userIds[i]] = i;
    }

    public FeatureScaler Scaler { get; }
    public IReadOnlyList<string> UserIds { get; }
    public TwinModelMetadata Metadata { get; private set; }

    /// <summary>Replaces the metadata (training stamps thresholds and metrics on the model it returns).</summary>
    internal TwinModel WithMetadata(TwinModelMetadata metadata)
    {
        Metadata = metadata;
        return this;
    }
    public int EmbeddingSize => PropertyEncoder.EmbeddingSize;

    /// <summary>Scaled feature vector of a property, as the encoder sees it.</summary>
    public float[] ScaledFeatures(Property property, double? estimatedValue = null)
    {
        var row = PropertyFeatureBuilder.Build(property, estimatedValue);
        Scaler.TransformInPlace(row);
        return row;
    }

    /// <summary>Encodes properties into unit-length 16-d embeddings. Estimated values are optional, per property id.</summary>
    public float[][] EncodeProperties(IReadOnlyList<Property> properties, IReadOnlyDictionary<string, double>? estimatedValues = null)
    {
        var features = new float[properties.Count * PropertyFeatureBuilder.FeatureCount];
        Parallel.For(0, properties.Count, i =>
        {
            var row = features.AsSpan(i * PropertyFeatureBuilder.FeatureCount, PropertyFeatureBuilder.FeatureCount);
            double? estimate = estimatedValues is not null && estimatedValues.TryGetValue(properties[i].PropertyId, out var v) ? v : null;
            PropertyFeatureBuilder.Build(properties[i], estimate, row);
            Scaler.TransformInPlace(row);
        });
        return EncodeScaled(features, properties.Count);
    }

    /// <summary>Encodes rows of already scaled features (row-major, 25 per row).</summary>
    public float[][] EncodeScaled(float[] scaledFeatures, int rows)
    {
        var result = new float[rows][];
        const int chunk = 65_536;
        lock (_gate)
        {
            using var noGrad = torch.no_grad();
            for (var start = 0; start < rows; start += chunk)
            {
                using var scope = torch.NewDisposeScope();
                var count = Math.Min(chunk, rows - start);
                var input = torch.tensor(scaledFeatures.AsSpan(start * PropertyFeatureBuilder.FeatureCount, count * PropertyFeatureBuilder.FeatureCount).ToArray(), [count, PropertyFeatureBuilder.FeatureCount]);
                var flat = _encoder.call(input).data<float>().ToArray();
                for (var i = 0; i < count; i++) result[start + i] = flat.AsSpan(i * EmbeddingSize, EmbeddingSize).ToArray();
            }
        }
        return result;
    }

    /// <summary>The learned embedding of a training user, or null when the model has not seen the user.</summary>
    public UserEmbedding? FindUser(string userId) =>
        _userIndex.TryGetValue(userId, out var i) ? new UserEmbedding(userId, _userVectors[i], _userInteractionCounts[i], false) : null;

    /// <summary>
    /// Cold start without retraining: the weighted mean of the centred embeddings of the properties a user touched
    /// (<see cref="UserFoldIn"/>), weighted as in training (<see cref="TwinModelMetadata.Weights"/>). With nothing usable the
    /// result is flagged fallback.
    /// </summary>
    public UserEmbedding FoldInUser(string? userId, IEnumerable<(float[] PropertyEmbedding, InteractionKind Kind)> interactions, InteractionWeights? weights = null)
    {
        weights ??= Metadata.Weights;
        var vector = new float[EmbeddingSize];
        var count = 0;
        foreach (var (embedding, kind) in interactions)
        {
            UserFoldIn.Accumulate(vector, embedding, Metadata.CatalogCentroid, weights.Of(kind));
            count++;
        }
        return UserFoldIn.Normalize(vector)
            ? new UserEmbedding(userId, vector, count, false)
            : new UserEmbedding(userId, new float[EmbeddingSize], count, true);
    }

    /// <summary>Cosine similarity mapped to [0, 1].</summary>
    public static double Affinity(ReadOnlySpan<float> user, ReadOnlySpan<float> property)
    {
        double dot = 0, nu = 0, np = 0;
        for (var d = 0; d < user.Length; d++)
        {
            dot += user[d] * property[d];
            nu += user[d] * user[d];
            np += property[d] * property[d];
        }
        if (nu < 1e-16 || np < 1e-16) return 0.5;
        return (dot / Math.Sqrt(nu * np) + 1) / 2;
    }

    /// <summary>
    /// Affinity with a confidence that grows with the user's interaction count (saturating around 50) and with
    /// the distance of the affinity from the decision threshold.
    /// </summary>
    public AffinityScore Score(UserEmbedding user, ReadOnlySpan<float> property)
    {
        if (user.IsFallback) return new AffinityScore(0.5, 0, true);
        var affinity = Affinity(user.Vector, property);
        var support = 1 - Math.Exp(-user.InteractionCount / 20.0);
        var margin = Math.Min(1, Math.Abs(affinity - Metadata.DecisionThreshold) / 0.25);
        return new AffinityScore(affinity, support * (0.5 + 0.5 * margin), false);
    }

    /// <summary>Popular properties for a user without history: the segment's list when known, else overall. Always a fallback.</summary>
    public IReadOnlyList<string> FallbackRecommendations(string? segment, int count) =>
        (segment is not null && Metadata.PopularBySegment.TryGetValue(segment, out var list) ? list : Metadata.PopularProperties).Take(count).ToList();

    /// <summary>
    /// Per-feature contributions to the user's cosine similarity with a property: gradient × input on the scaled
    /// features, so contributions roughly add up to the similarity (relative to an all-average property).
    /// </summary>
    public IReadOnlyList<FeatureContribution> Explain(UserEmbedding user, Property property, double? estimatedValue = null)
    {
        var raw = PropertyFeatureBuilder.Build(property, estimatedValue);
        var scaled = (float[])raw.Clone();
        Scaler.TransformInPlace(scaled);
        float[] gradient;
        lock (_gate)
        {
            using var scope = torch.NewDisposeScope();
            var input = torch.tensor(scaled, [1, PropertyFeatureBuilder.FeatureCount]).requires_grad_(true);
            var userVector = nn.functional.normalize(torch.tensor(user.Vector, [1, EmbeddingSize]), p: 2, dim: 1);
            var similarity = (_encoder.call(input) * userVector).sum();
            similarity.backward();
            gradient = input.grad!.data<float>().ToArray();
        }
        var result = new FeatureContribution[PropertyFeatureBuilder.FeatureCount];
        for (var f = 0; f < result.Length; f++)
        {
            result[f] = new FeatureContribution(PropertyFeatureBuilder.FeatureNames[f], raw[f], gradient[f] * scaled[f]);
        }
        return [.. result.OrderByDescending(c => Math.Abs(c.Contribution))];
    }

    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(JsonSerializer.Serialize(Metadata));
        WriteFloats(writer, Scaler.Mean);
        WriteFloats(writer, Scaler.Scale);
        writer.Write(UserIds.Count);
        for (var i = 0; i < UserIds.Count; i++)
        {
            writer.Write(UserIds[i]);
            writer.Write(_userInteractionCounts[i]);
            WriteFloats(writer, _userVectors[i]);
        }
        lock (_gate) _encoder.save(writer);
    }

    public static TwinModel Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (reader.ReadString() != Magic) throw new InvalidDataException("not a Portfolio Twin model file (bad magic).");
        var metadata = JsonSerializer.Deserialize<TwinModelMetadata>(reader.ReadString()) ?? throw new InvalidDataException("model metadata is empty.");
        if (metadata.FormatVersion != 1) throw new InvalidDataException($"unsupported model format version {metadata.FormatVersion}.");
        var scaler = new FeatureScaler(ReadFloats(reader), ReadFloats(reader));
        var users = reader.ReadInt32();
        var ids = new string[users];
        var counts = new int[users];
        var vectors = new float[users][];
        for (var i = 0; i < users; i++)
        {
            ids[i] = reader.ReadString();
            counts[i] = reader.ReadInt32();
            vectors[i] = ReadFloats(reader);
        }
        var encoder = new PropertyEncoder();
        encoder.load(reader);
        return new TwinModel(encoder, scaler, ids, vectors, counts, metadata);
    }

    public void Dispose() => _encoder.Dispose();

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        foreach (var v in values) writer.Write(v);
    }

    private static float[] ReadFloats(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length is < 0 or > 1 << 20) throw new InvalidDataException($"corrupt model file: array length {length}.");
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = reader.ReadSingle();
        return values;
    }
}
