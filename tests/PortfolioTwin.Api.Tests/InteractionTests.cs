using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Messaging;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Tests;

[Collection(TwinApiCollection.Name)]
public sealed class InteractionTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task A_repeated_batch_is_stored_once()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        await fixture.AddUsersAsync(TwinApiFixture.Alpha, "idem-user-1");
        var property = fixture.AlphaMarket.Properties[0].PropertyId;
        var batch = new
        {
            interactions = new[]
            {
                new { event_id = "rep-1", user_id = "idem-user-1", property_id = property, kind = "view" },
                new { event_id = "rep-2", user_id = "idem-user-1", property_id = property, kind = "like" },
            },
        };

        var first = await (await client.PostJsonAsync("/interactions", batch)).ReadAsync<InteractionBatchResponse>();
        var second = await (await client.PostJsonAsync("/interactions", batch)).ReadAsync<InteractionBatchResponse>();

        Assert.Equal(new InteractionBatchResponse(2, 2, 0, 1), first);
        Assert.Equal(new InteractionBatchResponse(2, 0, 2, 0), second);
        Assert.Equal(2, await CountEventsAsync(TwinApiFixture.Alpha, "rep-"));
    }

    [Fact]
    public async Task A_redelivered_cloud_event_is_stored_once()
    {
        var publisher = fixture.Factory.Services.GetRequiredService<IEventPublisher>();
        await fixture.AddUsersAsync(TwinApiFixture.Alpha, "idem-user-2");
        var data = new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha,
            ["user_id"] = "idem-user-2",
            ["property_id"] = fixture.AlphaMarket.Properties[1].PropertyId,
            ["kind"] = "outreach",
        };

        await publisher.PublishAsync(Topics.Interactions, data, eventId: "pubsub-once");
        await publisher.PublishAsync(Topics.Interactions, data, eventId: "pubsub-once");
        await fixture.WaitForEventsAsync();

        Assert.Equal(1, await CountEventsAsync(TwinApiFixture.Alpha, "pubsub-once"));
    }

    [Fact]
    public async Task A_cold_start_user_is_folded_in_from_fresh_interactions()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        const string user = "cold-start-1";
        await (await client.PostJsonAsync("/recommend", new { user_id = user })).AssertProblemAsync(HttpStatusCode.NotFound, "user_id");
        await fixture.AddUsersAsync(TwinApiFixture.Alpha, user);

        var houses = fixture.AlphaMarket.Properties.Where(p => p.PropertyType == PropertyTypes.Enebolig).Take(4).ToList();
        var liked = houses.Select((p, i) => new { event_id = $"cold-{i}", user_id = user, property_id = p.PropertyId, kind = i == 0 ? "deal" : "like" }).ToArray();
        var stored = await (await client.PostJsonAsync("/interactions", new { interactions = liked })).ReadAsync<InteractionBatchResponse>();
        var recommended = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 10 })).ReadAsync<RecommendResponse>();

        Assert.Equal(1, stored.UsersRefreshed);
        Assert.Equal("folded_in", recommended.UserSource);
        Assert.DoesNotContain(houses[0].PropertyId, recommended.Results.Select(r => r.PropertyId));
        Assert.True(recommended.Results.Count(r => r.PropertyType == PropertyTypes.Enebolig) >= 6, string.Join(", ", recommended.Results.Select(r => r.PropertyType)));
    }

    [Fact]
    public async Task New_interactions_refresh_a_trained_user_until_the_next_training()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var user = fixture.SpareUser;
        var before = await (await client.PostJsonAsync("/predict", new { user_id = user, property_features = PredictionTests.Flat })).ReadAsync<PredictResponse>();
        var flat = fixture.AlphaMarket.Properties.First(p => p.PropertyType == PropertyTypes.Leilighet
            && !fixture.AlphaMarket.Interactions.Any(i => i.UserId == user && i.PropertyId == p.PropertyId));

        await (await client.PostJsonAsync("/interactions", new { interactions = new[] { new { event_id = "spare-fresh", user_id = user, property_id = flat.PropertyId, kind = "dislike" } } }))
            .ReadAsync<InteractionBatchResponse>();
        var after = await (await client.PostJsonAsync("/recommend", new { user_id = user })).ReadAsync<RecommendResponse>();

        Assert.Equal("trained", before.UserSource);
        Assert.Equal("folded_in", after.UserSource);
        Assert.DoesNotContain(flat.PropertyId, after.Results.Select(r => r.PropertyId));
    }

    [Fact]
    public async Task Remembered_signals_give_way_at_once_to_interactions_posted_or_published()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        const string user = "remembered-signals-1";
        await fixture.AddUsersAsync(TwinApiFixture.Alpha, user);
        var houses = fixture.AlphaMarket.Properties.Where(p => p.PropertyType == PropertyTypes.Enebolig).Skip(4).Take(4).ToList();
        var liked = houses.Select((p, i) => new { event_id = $"remembered-{i}", user_id = user, property_id = p.PropertyId, kind = "like" }).ToArray();
        await (await client.PostJsonAsync("/interactions", new { interactions = liked })).ReadAsync<InteractionBatchResponse>();

        // Asked twice: the second answer comes from the remembered signals.
        await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 5 })).ReadAsync<RecommendResponse>();
        var first = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 5 })).ReadAsync<RecommendResponse>();
        var disliked = first.Results[0].PropertyId;
        await (await client.PostJsonAsync("/interactions", new { interactions = new[] { new { event_id = "remembered-dislike", user_id = user, property_id = disliked, kind = "dislike" } } }))
            .ReadAsync<InteractionBatchResponse>();
        var afterPost = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 5 })).ReadAsync<RecommendResponse>();

        var dealt = afterPost.Results[0].PropertyId;
        await fixture.Factory.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.Interactions, new Dictionary<string, object>
        {
            ["tenant_id"] = TwinApiFixture.Alpha,
            ["user_id"] = user,
            ["property_id"] = dealt,
            ["kind"] = "deal",
        }, eventId: "remembered-deal");
        await fixture.WaitForEventsAsync();
        var afterEvent = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 5 })).ReadAsync<RecommendResponse>();

        Assert.Equal(0, first.Excluded);
        Assert.Equal(1, afterPost.Excluded);
        Assert.DoesNotContain(disliked, afterPost.Results.Select(r => r.PropertyId));
        Assert.Equal(2, afterEvent.Excluded);
        Assert.DoesNotContain(dealt, afterEvent.Results.Select(r => r.PropertyId));
    }

    [Fact]
    public async Task Recommend_reads_only_the_users_most_recent_signals_however_long_the_history()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        const string user = "long-history-1";
        await fixture.AddUsersAsync(TwinApiFixture.Alpha, user);
        var recentSignals = new PortfolioTwinOptions().RecentSignalsPerUser;
        const int history = 10_000;
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var properties = fixture.AlphaMarket.Properties;
        // Everything older than the recent window is a dislike (each would be excluded if it were read); the window itself
        // holds views and exactly three dislikes.
        var events = Enumerable.Range(0, history).Select(i =>
        {
            var recent = i >= history - recentSignals;
            var kind = !recent || i >= history - 3 ? "dislike" : "view";
            var property = properties[(recent ? i : i * 7) % properties.Count].PropertyId;
            return new { event_id = $"long-{i:D5}", user_id = user, property_id = property, kind, occurred_at = start.AddMinutes(i) };
        }).ToList();
        foreach (var batch in events.Chunk(new PortfolioTwinOptions().BatchLimit))
        {
            await (await client.PostJsonAsync("/interactions", new { interactions = batch })).ReadAsync<InteractionBatchResponse>();
        }

        var recommended = await (await client.PostJsonAsync("/recommend", new { user_id = user, top_k = 5 })).ReadAsync<RecommendResponse>();

        Assert.Equal(history, await CountEventsAsync(TwinApiFixture.Alpha, "long-"));
        Assert.Equal("folded_in", recommended.UserSource);
        Assert.Equal(3, recommended.Excluded);
    }

    [Fact]
    public async Task Invalid_interactions_are_422_naming_each_field()
    {
        using var client = fixture.Client(TwinApiFixture.Alpha);
        var batch = new
        {
            interactions = new object[]
            {
                new { event_id = "bad-1", user_id = "u01", property_id = "alpha-p000", kind = "stare" },
                new { event_id = "", user_id = "u01", property_id = "alpha-p000", kind = "view" },
                new { event_id = "bad-3", user_id = "u01", property_id = "alpha-p000", kind = "view", tenant_id = TwinApiFixture.Beta },
            },
        };

        var problem = await (await client.PostJsonAsync("/interactions", batch)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "interactions[0].kind");

        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["interactions[0].kind", "interactions[1].event_id", "interactions[2].tenant_id"], fields);
        Assert.Equal(0, await CountEventsAsync(TwinApiFixture.Alpha, "bad-"));
    }

    private async Task<long> CountEventsAsync(string tenantId, string eventIdPrefix)
    {
        await using var connection = await fixture.Database.Tenants.OpenAsync(tenantId);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM interactions WHERE event_id LIKE @prefix || '%'", connection);
        command.Parameters.AddWithValue("prefix", eventIdPrefix);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
