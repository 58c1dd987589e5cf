using System.Text.Json;
using Npgsql;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.MarketData.Tests;

/// <summary>The interaction reads serving and training share: a bounded recent history, popularity, a training window.</summary>
public sealed class InteractionHistoryTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string Tenant = "history";
    private const string Other = "history-other";
    private const string LongUser = "long-history";
    private const int History = 10_000;
    private const int OtherUsers = 40;
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        var tenants = new TenantStore(database.DataSource);
        await tenants.EnsureAsync(Tenant);
        await tenants.EnsureAsync(Other);
        var loader = new BulkLoader(database.DataSource);
        await loader.DeleteTenantDataAsync(Tenant);
        await loader.DeleteTenantDataAsync(Other);
        // One user with a long history (one event a minute), a second user, and the same user id in another tenant.
        await loader.LoadInteractionsAsync(Tenant, Enumerable.Range(0, History).Select(i => At(Tenant, $"e{i:D5}", LongUser, $"p{i % 300}", i)));
        await loader.LoadInteractionsAsync(Tenant, [At(Tenant, "s1", "short", "p1", 5, InteractionKind.Deal), At(Tenant, "s2", "short", "p2", 3, InteractionKind.Like)]);
        // The rest of the tenant: other users' views, so the table is not one user's history alone.
        await loader.LoadInteractionsAsync(Tenant, Enumerable.Range(0, OtherUsers * 500).Select(i => At(Tenant, $"x{i:D5}", $"other-{i % OtherUsers:D2}", $"q{i % 50}", i / OtherUsers)));
        await loader.LoadInteractionsAsync(Other, [At(Other, "o1", LongUser, "p1", History + 5)]);
        // As autovacuum would have left it: statistics and the visibility map current.
        await using var vacuum = database.DataSource.CreateCommand("VACUUM ANALYZE interactions");
        await vacuum.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Recent_history_is_the_users_newest_interactions_oldest_first_and_only_the_tenants()
    {
        var store = new InteractionStore(database.Tenants);

        var recent = await store.RecentByUserAsync(Tenant, LongUser, 50);

        Assert.Equal(Enumerable.Range(History - 50, 50).Select(i => $"e{i:D5}"), recent.Select(i => i.EventId));
        Assert.All(recent, i => Assert.Equal(Tenant, i.TenantId));
        Assert.Equal(["s2", "s1"], (await store.RecentByUserAsync(Tenant, "short", 50)).Select(i => i.EventId));
        Assert.Equal(["o1"], (await store.RecentByUserAsync(Other, LongUser, 50)).Select(i => i.EventId));
        Assert.Empty(await store.RecentByUserAsync(Tenant, "nobody", 50));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RecentByUserAsync(Tenant, LongUser, 0));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(500)]
    public async Task The_recent_history_query_reads_at_most_the_limit_from_one_index_however_long_the_history(int limit)
    {
        await using var connection = await database.Tenants.OpenAsync(Tenant);
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + InteractionStore.RecentByUserSql, connection);
        explain.Parameters.AddWithValue("tenant", Tenant);
        explain.Parameters.AddWithValue("user", LongUser);
        explain.Parameters.AddWithValue("limit", limit);

        using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
        var nodes = Flatten(plan.RootElement[0].GetProperty("Plan")).ToList();

        var scan = Assert.Single(nodes, n => n.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "interactions");
        Assert.Contains(scan.GetProperty("Node Type").GetString(), new[] { "Index Scan", "Index Only Scan" });
        Assert.Equal("interactions_recent_by_user", scan.GetProperty("Index Name").GetString());
        Assert.Equal("Backward", scan.GetProperty("Scan Direction").GetString());
        // The user has 10,000 rows; every node of the plan touched at most the limit (no sort over the whole history).
        Assert.All(nodes, n => Assert.True(n.GetProperty("Actual Rows").GetDouble() <= limit, $"{n.GetProperty("Node Type")} read {n.GetProperty("Actual Rows")} rows"));
        Assert.DoesNotContain(nodes, n => n.GetProperty("Node Type").GetString()!.Contains("Sort", StringComparison.Ordinal));
        Assert.Equal(limit, scan.GetProperty("Actual Rows").GetDouble());
    }

    [Fact]
    public async Task Popular_properties_rank_by_the_given_weights_of_each_kind()
    {
        var store = new InteractionStore(database.Tenants);
        var weights = new Dictionary<InteractionKind, double> { [InteractionKind.Deal] = 10, [InteractionKind.Like] = 1 };

        var popular = await store.PopularPropertyIdsAsync(Tenant, weights, 3);

        // p1: the long user's views (weight 0) plus one deal; p2: views plus one like; the rest only views, tied on 0, by id.
        // (The other users' views of q0..q49 tie on 0 too, after p0 by id.)
        Assert.Equal(["p1", "p2", "p0"], popular);
        Assert.Equal(["p1"], await store.PopularPropertyIdsAsync(Other, weights, 3));
    }

    [Fact]
    public async Task A_training_window_is_grouped_by_user_each_oldest_first()
    {
        var store = new InteractionStore(database.Tenants);

        var window = await store.ListSinceByUserAsync(Tenant, Start.AddMinutes(History - 3));

        Assert.Equal(["e09997", "e09998", "e09999"], window.Where(i => i.UserId == LongUser).Select(i => i.EventId));
        Assert.Equal([LongUser, LongUser, LongUser], window.Select(i => i.UserId));
        var all = await store.ListSinceByUserAsync(Tenant, DateTimeOffset.MinValue);
        Assert.Equal(History + 2 + (OtherUsers * 500), all.Count);
        Assert.Equal([LongUser, .. Enumerable.Range(0, OtherUsers).Select(u => $"other-{u:D2}"), "short"], all.Select(i => i.UserId).Distinct());
        Assert.Equal(["s2", "s1"], all.Where(i => i.UserId == "short").Select(i => i.EventId));
        Assert.All(all.GroupBy(i => i.UserId), user => Assert.Equal(user.OrderBy(i => i.OccurredAt).Select(i => i.EventId), user.Select(i => i.EventId)));
    }

    private static Interaction At(string tenant, string eventId, string user, string property, int minute, InteractionKind kind = InteractionKind.View) =>
        TestData.Interaction(tenant, eventId, user, property, kind) with { OccurredAt = Start.AddMinutes(minute) };

    private static IEnumerable<JsonElement> Flatten(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(Flatten))
            {
                yield return child;
            }
        }
    }
}
