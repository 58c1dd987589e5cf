using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.PortfolioTwin.Tests;

public sealed class UserFoldInTests
{
    [Fact]
    public void Centroid_is_the_mean_embedding()
    {
        Assert.Equal([2f, -1f], UserFoldIn.Centroid([[1f, 0f], [3f, -2f]]));
        Assert.Empty(UserFoldIn.Centroid([]));
    }

    [Fact]
    public void Accumulates_weighted_embeddings_relative_to_the_centroid()
    {
        var sum = new float[2];
        UserFoldIn.Accumulate(sum, [1f, 0f], [0.5f, 0.5f], weight: 2);
        UserFoldIn.Accumulate(sum, [0f, 1f], [0.5f, 0.5f], weight: -1);
        Assert.Equal([2 * 0.5f - -0.5f, 2 * -0.5f - 0.5f], sum);

        var uncentred = new float[2];
        UserFoldIn.Accumulate(uncentred, [1f, 0f], [], weight: 2);
        Assert.Equal([2f, 0f], uncentred);

        Assert.Throws<ArgumentException>(() => UserFoldIn.Accumulate(sum, [1f, 0f, 0f], [], 1));
    }

    [Fact]
    public void Normalize_scales_to_unit_length_and_refuses_a_zero_vector()
    {
        float[] vector = [3, 4];
        Assert.True(UserFoldIn.Normalize(vector));
        Assert.Equal([0.6f, 0.8f], vector);

        float[] zero = [0, 0];
        Assert.False(UserFoldIn.Normalize(zero));
        Assert.Equal([0f, 0f], zero);
    }

    // Every listing shares the direction (1, 0, 0); the user's two likes also lean towards +y. Uncentred, the mean of
    // the likes is closest to the generic listing; centred, the user points at the other +y listing.
    [Fact]
    public void Centring_ranks_what_sets_the_history_apart_above_the_average_listing()
    {
        float[][] embeddings =
        [
            Unit(1f, 0.45f, 0.1f), Unit(1f, 0.45f, -0.1f), // liked
            Unit(1f, 0.25f, 0.5f), // leans the same way, less strongly
            Unit(1f, 0f, 0f), // the average listing
            Unit(1f, -0.45f, 0f), Unit(1f, 0f, 0.45f), Unit(1f, 0f, -0.45f), Unit(1f, -0.3f, 0.3f),
        ];
        UserSignal[] history = [new(0, InteractionKind.Like, DateTimeOffset.UnixEpoch), new(1, InteractionKind.Like, DateTimeOffset.UnixEpoch)];
        var scores = new float[embeddings.Length];

        new TwinScorer(embeddings, [], new InteractionWeights()).Score(history, "any", scores);
        Assert.True(scores[3] > scores[2], "uncentred: the average listing wins");

        new TwinScorer(embeddings, UserFoldIn.Centroid(embeddings), new InteractionWeights()).Score(history, "any", scores);
        Assert.True(scores[2] > scores[3], "centred: the listing that leans like the history wins");
    }

    [Fact]
    public void A_history_without_direction_scores_everything_neutral()
    {
        var scores = new float[2];
        new TwinScorer([[1f, 0f], [0f, 1f]], [], new InteractionWeights()).Score([], "any", scores);
        Assert.Equal([0.5f, 0.5f], scores);
    }

    private static float[] Unit(params float[] v)
    {
        UserFoldIn.Normalize(v);
        return v;
    }
}
