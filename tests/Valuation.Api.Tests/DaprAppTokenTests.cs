using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.Testing;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// The valuation host as its Dapr sidecar calls it: the app API token configured, development mode off. Tenants A and B have
/// champions of their own (A the shared model as v1, B a cruder one as v2); "none" has none.
/// </summary>
public sealed class DaprAppTokenFixture : PostgresDatabaseFixture, IAsyncLifetime
{
    public const string Token = "valuation-app-token-0123456789abcdef";
    public const string A = "tenant-a";
    public const string B = "tenant-b";
    public const string None = "tenant-none";

    private ValuationApiFactory? _factory;
    private ValuationApiFactory? _withoutToken;

    /// <summary>The host with the token.</summary>
    public ValuationApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The same host and database with no token configured.</summary>
    public ValuationApiFactory WithoutToken => _withoutToken ?? throw new InvalidOperationException("The fixture is not initialised.");

    public ModelVersion ChampionOfA { get; private set; } = null!;

    public ModelVersion ChampionOfB { get; private set; } = null!;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _factory = new ValuationApiFactory(ConnectionString, Settings(Token));
        // Explicitly empty, so an APP_API_TOKEN in the test runner's environment cannot switch it on.
        _withoutToken = new ValuationApiFactory(ConnectionString, Settings(string.Empty));
        var registry = Factory.Services.GetRequiredService<ModelRegistry>();
        ChampionOfA = await ChampionFixture.RegisterAsync(Factory.Services, A, await TrainedPriceModel.Shared.Value);
        await ChampionFixture.RegisterAsync(Factory.Services, B, await TrainedPriceModel.Other.Value);
        ChampionOfB = await ChampionFixture.RegisterAsync(Factory.Services, B, await TrainedPriceModel.Other.Value);
        await registry.SetAliasAsync(A, ChampionOfA.ModelName, ModelRegistry.Champion, ChampionOfA.Version);
        await registry.SetAliasAsync(B, ChampionOfB.ModelName, ModelRegistry.Champion, ChampionOfB.Version);
    }

    /// <summary>A client as the sidecar forwards a call: its token (when given) and the tenant the caller named, nothing else.</summary>
    public static HttpClient Sidecar(ValuationApiFactory factory, string? token, string? tenant)
    {
        var client = factory.CreateAnonymousClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Add(DaprAppTokenAuthenticationHandler.HeaderName, token);
        }

        if (tenant is not null)
        {
            client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        }

        return client;
    }

    public new async Task DisposeAsync()
    {
        _factory?.Dispose();
        _withoutToken?.Dispose();
        await base.DisposeAsync();
    }

    private static Dictionary<string, string?> Settings(string token) => new()
    {
        ["Platform:Auth:AllowTenantHeader"] = "false",
        ["Platform:Auth:DaprAppToken"] = token,
    };
}

public sealed class DaprAppTokenTests(DaprAppTokenFixture fixture) : IClassFixture<DaprAppTokenFixture>
{
    [Fact]
    public async Task The_token_and_a_tenant_header_estimate_with_that_tenants_own_champion()
    {
        using var forA = DaprAppTokenFixture.Sidecar(fixture.Factory, DaprAppTokenFixture.Token, DaprAppTokenFixture.A);
        using var forB = DaprAppTokenFixture.Sidecar(fixture.Factory, DaprAppTokenFixture.Token, DaprAppTokenFixture.B);

        var fromA = await EstimateAsync(forA);
        var fromB = await EstimateAsync(forB);

        Assert.Equal(fixture.ChampionOfA.Version, fromA.Version);
        Assert.Equal(fixture.ChampionOfB.Version, fromB.Version);
        Assert.NotEqual(fixture.ChampionOfA.Version, fixture.ChampionOfB.Version);
        Assert.NotEqual(fromA.Estimate, fromB.Estimate);
    }

    [Fact]
    public async Task A_tenant_without_a_model_is_503_for_the_service_identity_too_never_another_tenants_model()
    {
        using var client = DaprAppTokenFixture.Sidecar(fixture.Factory, DaprAppTokenFixture.Token, DaprAppTokenFixture.None);

        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("valuation-app-token-0123456789abcdeX")]
    [InlineData("")]
    public async Task Without_the_token_or_with_a_wrong_one_the_tenant_header_is_401(string? token)
    {
        using var client = DaprAppTokenFixture.Sidecar(fixture.Factory, token, DaprAppTokenFixture.A);

        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_token_on_an_admin_route_is_403_and_changes_nothing()
    {
        using var client = DaprAppTokenFixture.Sidecar(fixture.Factory, DaprAppTokenFixture.Token, DaprAppTokenFixture.A);

        using var alias = await client.PostAsJsonAsync("/registry/price/aliases/champion", new { version = 1 });
        using var reload = await client.PostAsync("/admin/reload", null);
        using var training = await client.PostAsJsonAsync("/monitoring/training-requests", new { });

        Assert.Equal(HttpStatusCode.Forbidden, alias.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reload.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, training.StatusCode);
        Assert.Equal("admin", (await alias.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("required_scopes")[0].GetString());
        Assert.Equal(fixture.ChampionOfA.Version, (await EstimateAsync(client)).Version);
    }

    [Fact]
    public async Task Without_a_token_configured_the_header_does_nothing()
    {
        using var client = DaprAppTokenFixture.Sidecar(fixture.WithoutToken, DaprAppTokenFixture.Token, DaprAppTokenFixture.A);

        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<(int Version, double Estimate)> EstimateAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        var row = body.GetProperty("results")[0];
        return (row.GetProperty("model_version").GetInt32(), row.GetProperty("estimate").GetDouble());
    }
}
