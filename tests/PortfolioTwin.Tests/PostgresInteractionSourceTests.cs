using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Data;
using Platform.Testing;

namespace Platform.PortfolioTwin.Tests;

public sealed class PostgresInteractionSourceTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Loads_only_the_tenants_rows_within_the_lookback()
    {
        var alpha = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 80, Users = 4, InteractionsPerUser = 30, Seed = 1, TenantId = "alpha" });
        var beta = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 50, Users = 3, InteractionsPerUser = 20, Seed = 2, TenantId = "beta" });
        var writer = new PostgresMarketWriter(database.DataSource);
        await writer.WriteAsync(alpha, replace: true);
        await writer.WriteAsync(beta, replace: true);

        var data = await new PostgresInteractionSource(new TenantConnectionFactory(database.DataSource), "alpha").LoadAsync(lookbackDays: 36_500);

        Assert.Equal(alpha.Properties.Count, data.Properties.Count);
        Assert.Equal(alpha.Users.Count, data.Users.Count);
        Assert.Equal(alpha.Interactions().Count(), data.Interactions.Count);
        Assert.All(data.Interactions, i => Assert.Equal("alpha", i.TenantId));
        var expected = alpha.Properties.Single(p => p.PropertyId == data.Properties[0].PropertyId);
        Assert.Equal(expected.UsableArea, data.Properties[0].UsableArea);
        Assert.Equal(expected.ListingPrice, data.Properties[0].ListingPrice);

        // The lookback counts back from the tenant's newest interaction, not from today (the generator dates its market in the past).
        var newest = data.Interactions.Max(i => i.OccurredAt);
        var recent = await new PostgresInteractionSource(new TenantConnectionFactory(database.DataSource), "alpha").LoadAsync(lookbackDays: 30);
        Assert.NotEmpty(recent.Interactions);
        Assert.True(recent.Interactions.Count < data.Interactions.Count);
        Assert.All(recent.Interactions, i => Assert.InRange(i.OccurredAt, newest.AddDays(-30), newest));
        Assert.Equal(data.Interactions.Count(i => i.OccurredAt >= newest.AddDays(-30)), recent.Interactions.Count);
    }
}
