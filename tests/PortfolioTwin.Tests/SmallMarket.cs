using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Tests;

/// <summary>A small deterministic synthetic market (ground truth known) shared by the tests.</summary>
public static class SmallMarket
{
    private static readonly Lazy<TwinDataset> Cached = new(() => Create(properties: 1500, users: 120, interactionsPerUser: 120));

    public static TwinDataset Default => Cached.Value;

    public static TwinDataset Create(int properties, int users, int interactionsPerUser, int seed = 11)
    {
        var generator = new SyntheticMarketGenerator(new SyntheticMarketOptions
        {
            Properties = properties,
            Users = users,
            InteractionsPerUser = interactionsPerUser,
            Seed = seed,
            TenantId = "test",
        });
        return new TwinDataset(generator.Properties, [.. generator.Users.Select(u => u.User)], [.. generator.Interactions()]);
    }
}
