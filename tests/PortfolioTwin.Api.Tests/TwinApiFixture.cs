using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Api.Serving;
using Platform.Testing;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// One host for the whole collection: a migrated database with two tenants' markets, a twin trained on tenant alpha registered
/// as champion, and both tenants' properties indexed — the expensive part done once.
/// </summary>
public sealed class TwinApiFixture : IAsyncLifetime
{
    public const string Alpha = "alpha";
    public const string Beta = "beta";

    private readonly PostgresDatabaseFixture _database = new();

    public TwinTestMarket AlphaMarket { get; } = new(Alpha, seed: 11);

    public TwinTestMarket BetaMarket { get; } = new(Beta, seed: 22);

    public TwinApiFactory Factory { get; private set; } = null!;

    public ModelVersion Champion { get; private set; } = null!;

    public PostgresDatabaseFixture Database => _database;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        foreach (var market in new[] { AlphaMarket, BetaMarket })
        {
            await new TenantStore(_database.DataSource).EnsureAsync(market.TenantId);
            await new PropertyStore(_database.Tenants).UpsertAsync(market.TenantId, market.Properties);
            await new UserStore(_database.Tenants).UpsertAsync(market.TenantId, market.Users);
            await new InteractionStore(_database.Tenants).InsertBatchAsync(market.TenantId, market.Interactions);
        }

        Factory = new TwinApiFactory(_database.ConnectionString, services => services.AddSingleton<ITwinModelLoader, ProjectionTwinLoader>());
        Factory.CreateClient().Dispose();

        var twin = ProjectionTwin.Train(AlphaMarket, seed: 5);
        var registry = Factory.Services.GetRequiredService<ModelRegistry>();
        Champion = await registry.RegisterAsync("twin", new MemoryStream(twin.Save()), new Dictionary<string, double> { ["f1"] = 1 },
            new ModelLineage("test", new Dictionary<string, string>(), "test"));
        await registry.SetAliasAsync("twin", ModelRegistry.Champion, Champion.Version);
        await Factory.Services.GetRequiredService<IndexMaintenance>().EnsureIndexedAsync(CancellationToken.None);
    }

    public HttpClient Client(string tenantId) => Factory.CreateTenantClient(tenantId);

    public Task WaitForEventsAsync() =>
        Factory.Services.GetRequiredService<InProcessEventBus>().WaitUntilIdleAsync(TimeSpan.FromSeconds(10));

    public async Task DisposeAsync()
    {
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TwinApiCollection : ICollectionFixture<TwinApiFixture>
{
    public const string Name = "twin-api";
}

/// <summary>JSON helpers for the snake_case API.</summary>
internal static class TwinHttp
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body, Contracts.TwinJson.Options);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(text, Contracts.TwinJson.Options)!;
    }
}
