using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.Testing;

namespace Platform.MarketData.Tests;

public sealed class MarketLoadTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly SyntheticMarketOptions Options = new() { Properties = 300, Users = 12, InteractionsPerUser = 40, Seed = 5, TenantId = "load-test" };

    [Fact]
    public async Task A_generated_market_loads_completely_and_reads_back_through_the_stores()
    {
        var market = new SyntheticMarketGenerator(Options);
        var writer = new PostgresMarketWriter(database.DataSource);

        var result = await writer.WriteAsync(market, replace: true);

        var tenant = Options.TenantId;
        var interactions = market.Interactions().ToList();
        Assert.Equal((300L, (long)market.Sales.Count, 12L, (long)interactions.Count), (result.Properties, result.Sales, result.Users, result.Interactions));
        Assert.Equal(300, await new PropertyStore(database.Tenants).CountAsync(tenant));
        Assert.Equal(12, await new UserStore(database.Tenants).CountAsync(tenant));
        Assert.Equal(interactions.Count, await new InteractionStore(database.Tenants).CountAsync(tenant));
        Assert.Equal(market.Properties[17], await new PropertyStore(database.Tenants).GetAsync(tenant, market.Properties[17].PropertyId));

        var training = await new TransactionStore(database.Tenants).StreamSalesWithPropertiesAsync(tenant).ToListAsync();
        Assert.Equal(market.Sales.Count, training.Count);
        Assert.All(training, row => Assert.Equal(row.Sale.PropertyId, row.Property.PropertyId));
        Assert.Equal(training.OrderBy(r => r.Sale.SoldAt).ThenBy(r => r.Sale.TransactionId, StringComparer.Ordinal).Select(r => r.Sale.TransactionId),
            training.Select(r => r.Sale.TransactionId));

        var firstUser = market.Users[0].User.UserId;
        var stored = await new InteractionStore(database.Tenants).ListByUserAsync(tenant, firstUser).ToListAsync();
        Assert.Equal(interactions.Where(i => i.UserId == firstUser).OrderBy(i => i.OccurredAt).ThenBy(i => i.EventId, StringComparer.Ordinal), stored);

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(market, replace: false));
    }

    [Fact]
    public async Task An_event_id_reused_with_other_content_rolls_the_whole_batch_back_and_names_the_id()
    {
        const string tenant = "reused-events";
        await new TenantStore(database.DataSource).EnsureAsync(tenant);
        var store = new InteractionStore(database.Tenants);
        var stored = TestData.Interaction(tenant, "re-1", "u1", "p1");
        await store.InsertBatchAsync(tenant, [stored]);

        var otherKind = await Assert.ThrowsAsync<EventIdConflictException>(() =>
            store.InsertBatchAsync(tenant, [TestData.Interaction(tenant, "re-2", "u1", "p2"), stored with { Kind = InteractionKind.Deal }]));
        var otherTime = await Assert.ThrowsAsync<EventIdConflictException>(() =>
            store.InsertBatchAsync(tenant, [stored with { OccurredAt = stored.OccurredAt.AddMinutes(1) }]));
        var inBatch = await Assert.ThrowsAsync<EventIdConflictException>(() =>
            store.InsertBatchAsync(tenant, [TestData.Interaction(tenant, "re-3", "u1", "p1"), TestData.Interaction(tenant, "re-3", "u2", "p1")]));
        // A time the ingester filled in is not the caller's: only user, property and kind are compared then.
        var untimed = await store.InsertBatchAsync(tenant, [stored with { OccurredAt = stored.OccurredAt.AddMinutes(1) }], timesGiven: [false]);

        Assert.Equal(["re-1"], otherKind.EventIds);
        Assert.Equal(["re-1"], otherTime.EventIds);
        Assert.Equal(["re-3"], inBatch.EventIds);
        Assert.Equal(0, untimed);
        Assert.Equal(1, await store.CountAsync(tenant));
        Assert.Equal([stored], await store.ListByUserAsync(tenant, "u1").ToListAsync());
    }

    [Theory]
    [InlineData("alpha\n")]
    [InlineData("alpha\r\n")]
    [InlineData("\nalpha")]
    public void A_tenant_id_with_a_line_break_is_invalid(string escaped)
    {
        var tenantId = System.Text.RegularExpressions.Regex.Unescape(escaped);

        Assert.False(TenantId.IsValid(tenantId));
        Assert.False(Platform.BuildingBlocks.Tenancy.TenantScope.IsValidId(tenantId));
        Assert.Equal("tenantId", Assert.Throws<ArgumentException>(() => TenantId.Validate(tenantId)).ParamName);
        Assert.True(TenantId.IsValid("alpha") && Platform.BuildingBlocks.Tenancy.TenantScope.IsValidId("alpha"));
    }

    [Fact]
    public async Task Interaction_batches_are_idempotent_by_event_id()
    {
        const string tenant = "events";
        await new TenantStore(database.DataSource).EnsureAsync(tenant);
        var store = new InteractionStore(database.Tenants);
        var first = new[] { TestData.Interaction(tenant, "ev-1", "u1", "p1"), TestData.Interaction(tenant, "ev-2", "u1", "p2", InteractionKind.Like) };
        var second = new[] { first[1], TestData.Interaction(tenant, "ev-3", "u2", "p1", InteractionKind.Dislike) };

        Assert.Equal(2, await store.InsertBatchAsync(tenant, first));
        Assert.Equal(1, await store.InsertBatchAsync(tenant, second));
        Assert.Equal(0, await store.InsertBatchAsync(tenant, second));
        Assert.Equal(3, await store.CountAsync(tenant));

        var since = await store.ListSinceAsync(tenant, first[0].OccurredAt).ToListAsync();
        Assert.Equal(["ev-1", "ev-2", "ev-3"], since.Select(i => i.EventId));
        Assert.Empty(await store.ListSinceAsync(tenant, first[0].OccurredAt.AddSeconds(1)).ToListAsync());
    }

    [Fact]
    public async Task The_generate_verb_migrates_and_loads_and_refuses_to_load_a_tenant_twice_without_replace()
    {
        string[] args = ["--properties", "120", "--users", "3", "--interactions-per-user", "15", "--tenant", "verb", "--connection-string", database.ConnectionString];

        Assert.Equal(0, await GenerateCommand.Create().Parse(args).InvokeAsync());
        Assert.Equal(1, await GenerateCommand.Create().Parse(args).InvokeAsync());
        Assert.Equal(0, await GenerateCommand.Create().Parse([.. args, "--replace"]).InvokeAsync());
        Assert.Equal(120, await new PropertyStore(database.Tenants).CountAsync("verb"));
    }

    [Fact]
    public async Task The_load_benchmark_loads_every_generated_row_and_cleans_up_its_tenant()
    {
        var measurement = await LoadBenchmarkCommand.RunAsync(database.ConnectionString, users: 3, seed: 1);

        Assert.True(measurement.Rows > 0);
        Assert.True(measurement.LoadRowsPerSecond > 0);
        await using var leftovers = database.DataSource.CreateCommand("SELECT count(*) FROM interactions WHERE tenant_id LIKE 'bench-%'");
        Assert.Equal(0L, await leftovers.ExecuteScalarAsync());
    }
}
