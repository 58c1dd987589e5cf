using Platform.PortfolioTwin.Model.Data;

namespace Platform.PortfolioTwin.Tests;

public sealed class TwinDataRequirementsTests
{
    [Fact]
    public void Requirements_name_each_threshold()
    {
        var requirements = new TwinDataRequirements();
        var data = SmallMarket.Create(properties: 60, users: 1, interactionsPerUser: 150);
        Assert.Contains("users", requirements.Check(data));
        Assert.Contains("interactions", requirements.Check(data with { Interactions = [.. data.Interactions.Take(10)] }));
    }
}
