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

        var data = await new PostgresInteractionSource(database.DataSource, "alpha").LoadAsync(lookbackDays: 36_500);

        Assert.Equal(alpha.Properties.Count, data.Properties.Count);
        Assert.Equal(alpha.Users.Count, data.Users.Count);
        Assert.Equal(alpha.Interactions().Count(), data.Interactions.Count);
        Assert.All(data.Interactions, i => Assert.Equal("alpha", i.TenantId));
        var expected = alpha.Properties.Single(p => p.PropertyId == data.Properties[0].PropertyId);
        Assert.Equal(expected.UsableArea, data.Properties[0].UsableArea);
        Assert.Equal(expected.ListingPrice, data.Properties[0].ListingPrice);

        var recent = await new PostgresInteractionSource(database.DataSource, "alpha").LoadAsync(lookbackDays: 1);
        Assert.Empty(recent.Interactions);
    }
}
