using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.PortfolioTwin.Tests;

/// <summary>Trains one tiny model for the whole class (a few seconds) and checks serving behaviour on it.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Data = SmallMarket.Create(properties: 300, users: 30, interactionsPerUser: 40);
        var options = new TwinTrainingOptions { Epochs = 3, BatchSize = 64, Seed = 5, Threads = 1, Gates = new TwinQualityGates { MinF1 = 0, MinAccuracy = 0 } };
        Result = new TwinTrainer().Train(Data, options);
    }

    public TwinDataset Data { get; }
    public TwinTrainingResult Result { get; }
    public TwinModel Model => Result.Model;

    public void Dispose() => Result.Model.Dispose();
}

public sealed class TwinModelTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Encodes_unit_length_embeddings_and_round_trips_through_a_stream()
    {
        var properties = fixture.Data.Properties.Take(20).ToList();
        var before = fixture.Model.EncodeProperties(properties);
        Assert.All(before, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(v => (double)v * v)), 4));

        using var stream = new MemoryStream();
        fixture.Model.Save(stream);
        stream.Position = 0;
        using var loaded = TwinModel.Load(stream);
        var after = loaded.EncodeProperties(properties);

        for (var i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
        Assert.Equal(fixture.Model.UserIds, loaded.UserIds);
        Assert.Equal(fixture.Model.Metadata.DecisionThreshold, loaded.Metadata.DecisionThreshold);
        Assert.Equal(fixture.Model.Metadata.CatalogCentroid, loaded.Metadata.CatalogCentroid);
        var user = fixture.Model.UserIds[0];
        Assert.Equal(fixture.Model.FindUser(user)!.Vector, loaded.FindUser(user)!.Vector);
    }

    [Fact]
    public void Rejects_a_stream_that_is_not_a_model()
    {
        using var stream = new MemoryStream([1, 2, 3, 4, 5, 6]);
        Assert.ThrowsAny<Exception>(() => TwinModel.Load(stream));
    }

    [Fact]
    public void Fold_in_points_at_liked_properties_and_flags_empty_histories()
    {
        var embeddings = fixture.Model.EncodeProperties(fixture.Data.Properties.Take(5).ToList());
        var user = fixture.Model.FoldInUser("new", [(embeddings[0], InteractionKind.Deal), (embeddings[1], InteractionKind.View)]);
        Assert.False(user.IsFallback);
        Assert.Equal(1.0, Math.Sqrt(user.Vector.Sum(v => (double)v * v)), 5);
        // The weighted mean of the centred embeddings, with the weights the model was trained with (deal 16× a view).
        var weights = fixture.Model.Metadata.Weights;
        var centroid = fixture.Model.Metadata.CatalogCentroid;
        var expected = embeddings[0].Select((v, d) =>
            weights.Deal * (v - centroid[d]) + weights.View * (embeddings[1][d] - centroid[d])).ToArray();
        var norm = Math.Sqrt(expected.Sum(v => (double)v * v));
        for (var d = 0; d < expected.Length; d++) Assert.Equal(expected[d] / norm, user.Vector[d], 5);
        // So, in the centred space the mean lives in, the user is pulled towards the dealt property more than towards the
        // one only viewed (for centred a, b: cos(16a + b, a) > cos(16a + b, b) whenever 16|a| > |b|; the raw embeddings share
        // a large common part, so their cosines need not order).
        float[] Centred(float[] embedding) => [.. embedding.Select((v, d) => v - centroid[d])];
        Assert.True(TwinModel.Affinity(user.Vector, Centred(embeddings[0])) > TwinModel.Affinity(user.Vector, Centred(embeddings[1])));

        var nobody = fixture.Model.FoldInUser("nobody", []);
        Assert.True(nobody.IsFallback);
        var score = fixture.Model.Score(nobody, embeddings[0]);
        Assert.True(score.IsFallback);
        Assert.Equal(0, score.Confidence);
        Assert.NotEmpty(fixture.Model.FallbackRecommendations(null, 5));
    }

    [Fact]
    public void Fold_in_is_centred_on_the_training_catalogue()
    {
        var catalogue = fixture.Model.EncodeProperties(fixture.Data.Properties);
        var expected = UserFoldIn.Centroid(catalogue);
        var centroid = fixture.Model.Metadata.CatalogCentroid;
        Assert.Equal(PropertyEncoder.EmbeddingSize, centroid.Length);
        for (var d = 0; d < centroid.Length; d++) Assert.Equal(expected[d], centroid[d], 4);

        var user = fixture.Model.FoldInUser("new", [(catalogue[0], InteractionKind.Like)]);
        var direction = catalogue[0].Select((v, d) => v - centroid[d]).ToArray();
        UserFoldIn.Normalize(direction);
        for (var d = 0; d < direction.Length; d++) Assert.Equal(direction[d], user.Vector[d], 5);
    }

    [Fact]
    public void Affinity_maps_cosine_to_the_unit_interval()
    {
        Assert.Equal(1.0, TwinModel.Affinity([1, 0], [2, 0]), 6);
        Assert.Equal(0.0, TwinModel.Affinity([1, 0], [-1, 0]), 6);
        Assert.Equal(0.5, TwinModel.Affinity([1, 0], [0, 3]), 6);
    }

    [Fact]
    public void Explain_gives_every_feature_a_finite_contribution()
    {
        var user = fixture.Model.FindUser(fixture.Model.UserIds[0])!;
        var contributions = fixture.Model.Explain(user, fixture.Data.Properties[0]);
        Assert.Equal(25, contributions.Count);
        Assert.All(contributions, c => Assert.True(double.IsFinite(c.Contribution)));
        Assert.Contains(contributions, c => c.Contribution != 0);
    }

    [Fact]
    public void Training_reports_every_contract_key_and_decreasing_loss()
    {
        var report = fixture.Result.Report;
        Assert.Equal(fixture.Result.History.Count, report.EpochsRun);
        Assert.True(report.Auc is > 0 and <= 1);
        Assert.True(fixture.Result.History.Min(h => h.TrainLoss) < fixture.Result.History[0].TrainLoss);
        var json = System.Text.Json.JsonSerializer.Serialize(report);
        foreach (var key in new[] { "accuracy", "precision", "recall", "f1", "auc", "precision_at_10", "recall_at_10", "ndcg_at_10", "epochs_run", "train_seconds", "gates_passed" })
        {
            Assert.Contains($"\"{key}\":", json);
        }
    }
}
