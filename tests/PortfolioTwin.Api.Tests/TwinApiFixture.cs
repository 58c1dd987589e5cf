using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;
using Platform.Testing;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// One host for the whole collection: a migrated database with two tenants' markets, a small twin trained in-test on tenant
/// alpha (a few epochs, fixed seed) registered as alpha's champion and, as another tenant's own copy, as beta's (beta's
/// version 2, after a version 1 it never promoted, so the two tenants' champions differ by version), and both tenants'
/// properties indexed — the expensive part done once.
/// </summary>
public sealed class TwinApiFixture : IAsyncLifetime
{
    public const string Alpha = "alpha";
    public const string Beta = "beta";

    /// <summary>A real but short training run (a few seconds): the tests check the service, not the model's quality.</summary>
    private const int Epochs = 20;

    private readonly PostgresDatabaseFixture _database = new();

    public TwinTestMarket AlphaMarket { get; } = new(Alpha, seed: 11);

    public TwinTestMarket BetaMarket { get; } = new(Beta, seed: 22);

    public TwinApiFactory Factory { get; private set; } = null!;

    public ModelVersion Champion { get; private set; } = null!;

    /// <summary>Beta's champion: the same trained file registered in beta's own registry entry, as its version 2.</summary>
    public ModelVersion BetaChampion { get; private set; } = null!;

    public PostgresDatabaseFixture Database => _database;

    /// <summary>A city-taste user of alpha the model learned an embedding for (validation holds some users out).</summary>
    public string CityUser { get; private set; } = null!;

    /// <summary>A family-taste user of alpha the model learned an embedding for.</summary>
    public string FamilyUser { get; private set; } = null!;

    /// <summary>Another trained user, for tests that change a user's history.</summary>
    public string SpareUser { get; private set; } = null!;

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

        var trained = new TwinTrainer().Train(
            new TwinDataset(AlphaMarket.Properties, AlphaMarket.Users, AlphaMarket.Interactions),
            new TwinTrainingOptions { TenantId = Alpha, Epochs = Epochs, BatchSize = 32, Seed = 7, Threads = 1, Patience = Epochs });
        using var model = trained.Model;
        CityUser = TwinTestMarket.CityUsers.First(u => model.FindUser(u) is not null);
        FamilyUser = TwinTestMarket.FamilyUsers.First(u => model.FindUser(u) is not null);
        SpareUser = TwinTestMarket.CityUsers.Concat(TwinTestMarket.FamilyUsers).Last(u => model.FindUser(u) is not null && u != CityUser && u != FamilyUser);
        using var file = new MemoryStream();
        model.Save(file);
        file.Position = 0;

        Factory = new TwinApiFactory(_database.ConnectionString);
        var registry = Factory.Services.GetRequiredService<ModelRegistry>();
        var lineage = new ModelLineage("test-market", new Dictionary<string, string> { ["epochs"] = Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "test");
        var bytes = file.ToArray();
        Champion = await registry.RegisterAsync(Alpha, "twin", new MemoryStream(bytes), new Dictionary<string, double> { ["f1"] = trained.Validation.F1 }, lineage);
        await registry.SetAliasAsync(Alpha, "twin", ModelRegistry.Champion, Champion.Version);
        await registry.RegisterAsync(Beta, "twin", new MemoryStream(bytes), new Dictionary<string, double>(), lineage);
        BetaChampion = await registry.RegisterAsync(Beta, "twin", new MemoryStream(bytes), new Dictionary<string, double> { ["f1"] = trained.Validation.F1 }, lineage);
        await registry.SetAliasAsync(Beta, "twin", ModelRegistry.Champion, BetaChampion.Version);
        await Factory.Services.GetRequiredService<IndexMaintenance>().EnsureIndexedAsync(CancellationToken.None);
    }

    public HttpClient Client(string tenantId) => Factory.CreateTenantClient(tenantId);

    /// <summary>Signs users up in a tenant: interactions name existing users, they never create them.</summary>
    public Task AddUsersAsync(string tenantId, params string[] userIds) =>
        new UserStore(_database.Tenants).UpsertAsync(tenantId, userIds.Select(id => new User
        {
            TenantId = tenantId,
            UserId = id,
            Name = id,
            Segment = "family",
            CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        }));

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

    /// <summary>Posts <paramref name="json"/> as it is (application/json; charset=utf-8), escapes and all.</summary>
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(text, Contracts.TwinJson.Options)!;
    }
}
