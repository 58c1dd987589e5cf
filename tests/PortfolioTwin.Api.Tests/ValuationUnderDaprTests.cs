using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.Tenancy;
using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.Testing;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Training;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// The twin's estimated-value feature under Dapr with authentication on: <see cref="ValuationServiceEstimates"/> over the
/// twin's own <see cref="DaprServiceInvoker"/>, through a stand-in for the sidecars (<see cref="InvocationSidecar"/>), to the
/// real valuation host, which accepts nothing but a credential: the sidecar's app API token. Tenant "alpha" has a price
/// champion trained on its synthetic market; "beta" has none.
/// </summary>
public sealed class ValuationUnderDaprFixture : PostgresDatabaseFixture, IAsyncLifetime
{
    public const string Alpha = "alpha";
    public const string Beta = "beta";

    /// <summary>valuation's APP_API_TOKEN: what its sidecar sends it.</summary>
    public const string ValuationAppToken = "valuation-app-token-0123456789abcdef";

    /// <summary>portfolio-twin's DAPR_API_TOKEN: what the twin sends its own sidecar.</summary>
    public const string TwinDaprApiToken = "twin-dapr-api-token-0123456789abcdef";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("valuation-under-dapr-");
    private ValuationHost? _valuation;

    public ValuationHost Valuation => _valuation ?? throw new InvalidOperationException("The fixture is not initialised.");

    public IReadOnlyList<Property> AlphaProperties { get; private set; } = [];

    public IReadOnlyList<Property> BetaProperties { get; private set; } = [];

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var alpha = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 600, Users = 5, InteractionsPerUser = 2, Seed = 17, TenantId = Alpha });
        var beta = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 50, Users = 5, InteractionsPerUser = 2, Seed = 18, TenantId = Beta });
        AlphaProperties = alpha.Properties;
        BetaProperties = beta.Properties;
        var model = await TrainAsync(alpha, Path.Combine(_work.FullName, "market"));

        _valuation = new ValuationHost(ConnectionString, Path.Combine(_work.FullName, "artifacts"));
        var registry = Valuation.Services.GetRequiredService<ModelRegistry>();
        var version = await registry.RegisterAsync(Alpha, "price", new MemoryStream(model), new Dictionary<string, double>(),
            new ModelLineage("synthetic", new Dictionary<string, string> { ["seed"] = "17" }, "test"));
        await registry.SetAliasAsync(Alpha, "price", ModelRegistry.Champion, version.Version);
    }

    public new async Task DisposeAsync()
    {
        _valuation?.Dispose();
        await base.DisposeAsync();
        _work.Delete(recursive: true);
    }

    /// <summary>A small price model of the market's sales, read as the importer reads the generator's sales.csv.</summary>
    private static async Task<byte[]> TrainAsync(SyntheticMarketGenerator market, string directory)
    {
        await CsvMarketWriter.WriteAsync(market, directory);
        var schema = DatasetSchema.Load(Path.Combine(directory, CsvMarketWriter.SalesSchemaFile));
        var rows = SchemaCsvReader.Read(Path.Combine(directory, "sales.csv"), schema).Rows;
        var model = PriceModelTrainer.Train(rows, schema, new PriceTrainingOptions { Seed = 5, Iterations = 40, Ensemble = false, AdaptiveIntervals = false });
        using var file = new MemoryStream();
        model.Save(file);
        return file.ToArray();
    }
}

/// <summary>The real valuation service host, as deployed under Dapr: development mode off, the app API token configured.</summary>
public sealed class ValuationHost(string connectionString, string artifactsPath) : WebApplicationFactory<Platform.Valuation.Api.Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        builder.UseSetting("Platform:Auth:AllowTenantHeader", "false");
        builder.UseSetting("Platform:Auth:DaprAppToken", ValuationUnderDaprFixture.ValuationAppToken);
        builder.UseSetting("Platform:Embedded:ArtifactsPath", artifactsPath);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }
}

public sealed class ValuationUnderDaprTests(ValuationUnderDaprFixture fixture) : IClassFixture<ValuationUnderDaprFixture>
{
    private const int BatchSize = 100;

    [Fact]
    public async Task The_twin_prices_a_tenants_properties_through_the_sidecars_with_that_tenants_champion()
    {
        await using var sidecar = await InvocationSidecar.StartAsync(fixture.Valuation.CreateClient(), ValuationUnderDaprFixture.ValuationAppToken);
        var estimates = Estimates(sidecar, ValuationUnderDaprFixture.TwinDaprApiToken);
        var properties = fixture.AlphaProperties.Take(250).ToList();

        var values = await estimates.EstimateAsync(properties, CancellationToken.None);

        // Not vacuous: the tenant's champion prices (nearly) every property of its own market.
        Assert.Equal(properties.Count, values.Count);
        Assert.True(values.Count(v => v is > 0) > properties.Count * 0.9, $"{values.Count(v => v is not null)} of {properties.Count} priced");
        var calls = sidecar.Calls.ToList();
        Assert.Equal((properties.Count + BatchSize - 1) / BatchSize, calls.Count);
        Assert.All(calls, call =>
        {
            Assert.Equal("valuation", call.AppId);
            Assert.Equal("estimate", call.Method);
            Assert.Equal(ValuationUnderDaprFixture.Alpha, call.TenantHeader);
            // The twin's own sidecar token stays with its sidecar; valuation gets its own app token from its sidecar.
            Assert.Equal(ValuationUnderDaprFixture.TwinDaprApiToken, call.TokenFromApp);
            Assert.Equal(ValuationUnderDaprFixture.ValuationAppToken, call.TokenToCallee);
            Assert.Equal(HttpStatusCode.OK, call.Status);
        });
    }

    [Fact]
    public async Task A_tenant_without_a_price_model_gets_unknown_estimates_never_another_tenants()
    {
        await using var sidecar = await InvocationSidecar.StartAsync(fixture.Valuation.CreateClient(), ValuationUnderDaprFixture.ValuationAppToken);

        var values = await Estimates(sidecar, ValuationUnderDaprFixture.TwinDaprApiToken).EstimateAsync(fixture.BetaProperties, CancellationToken.None);

        Assert.Equal(fixture.BetaProperties.Count, values.Count);
        Assert.All(values, Assert.Null);
        Assert.All(sidecar.Calls, call => Assert.Equal(HttpStatusCode.ServiceUnavailable, call.Status));
        Assert.NotEmpty(sidecar.Calls);
    }

    [Fact]
    public async Task Without_the_app_token_on_valuations_sidecar_the_call_is_401_and_the_estimates_fail_rather_than_go_unknown()
    {
        // Issue 14's gap: the call carried only X-Tenant-Id, valuation answered 401 and the feature went empty.
        await using var sidecar = await InvocationSidecar.StartAsync(fixture.Valuation.CreateClient(), appApiToken: null);

        var error = await Assert.ThrowsAsync<ServiceInvocationException>(() =>
            Estimates(sidecar, ValuationUnderDaprFixture.TwinDaprApiToken).EstimateAsync(fixture.AlphaProperties.Take(10).ToList(), CancellationToken.None));

        Assert.Equal(StatusCodes.Status401Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task The_sidecars_service_identity_is_403_on_the_twins_own_routes()
    {
        using var twin = new TwinApiFactory(fixture.ConnectionString, settings: new Dictionary<string, string>
        {
            ["Platform:Auth:AllowTenantHeader"] = "false",
            ["Platform:Auth:DaprAppToken"] = ValuationUnderDaprFixture.ValuationAppToken,
        });
        using var client = twin.CreateClient();
        client.DefaultRequestHeaders.Add(DaprAppTokenAuthenticationHandler.HeaderName, ValuationUnderDaprFixture.ValuationAppToken);
        client.DefaultRequestHeaders.Add(TenantScope.HeaderName, ValuationUnderDaprFixture.Alpha);

        using var recommend = await client.PostAsJsonAsync("/recommend", new { user_id = "u1", k = 5 });
        using var users = await client.GetAsync("/users");
        using var rebuild = await client.PostAsync("/index/rebuild", null);

        Assert.Equal(HttpStatusCode.Forbidden, recommend.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rebuild.StatusCode);
    }

    /// <summary>The twin's provider over the twin's own invoker, pointed at the sidecar as <c>DAPR_HTTP_ENDPOINT</c> would point it.</summary>
    private static ValuationServiceEstimates Estimates(InvocationSidecar sidecar, string? daprApiToken)
    {
        var invoker = new DaprServiceInvoker(Options.Create(new DaprOptions { HttpEndpoint = sidecar.Endpoint, DaprApiToken = daprApiToken }));
        var options = new ServiceCollection().AddOptions<PortfolioTwinOptions>().Configure(o => o.ValuationBatchSize = BatchSize).Services
            .BuildServiceProvider().GetRequiredService<IOptionsMonitor<PortfolioTwinOptions>>();
        return new ValuationServiceEstimates(invoker, options, TimeProvider.System, NullLogger<ValuationServiceEstimates>.Instance);
    }
}

/// <summary>
/// The two daprd of one service invocation, as the callee sees them: <c>POST /v1.0/invoke/{appId}/method/{method}</c> on
/// loopback checks the caller's <c>dapr-api-token</c> (its DAPR_API_TOKEN, which never leaves the caller's sidecar), passes
/// the app's headers and body on to the callee and adds the callee's APP_API_TOKEN as <c>dapr-api-token</c>, as daprd does
/// when that variable is set. Access control is the sidecar's and not modelled here (see RunFileTests for the ACL).
/// </summary>
public sealed class InvocationSidecar : IAsyncDisposable
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Content-Length", "Content-Type", DaprAppTokenAuthenticationHandler.HeaderName,
    };

    private readonly WebApplication _app;

    private InvocationSidecar(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public ConcurrentQueue<Call> Calls { get; } = new();

    public static async Task<InvocationSidecar> StartAsync(HttpClient valuation, string? appApiToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        InvocationSidecar? sidecar = null;
        app.MapPost("/v1.0/invoke/{appId}/method/{**method}", async (HttpContext context, string appId, string method) =>
        {
            var fromApp = context.Request.Headers[DaprAppTokenAuthenticationHandler.HeaderName].ToString();
            if (fromApp != ValuationUnderDaprFixture.TwinDaprApiToken)
            {
                return Results.Unauthorized();
            }

            using var forward = new HttpRequestMessage(HttpMethod.Post, "/" + method) { Content = new StreamContent(context.Request.Body) };
            forward.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            foreach (var (name, values) in context.Request.Headers.Where(h => !NotForwarded.Contains(h.Key)))
            {
                forward.Headers.TryAddWithoutValidation(name, values.ToArray());
            }

            if (appApiToken is not null)
            {
                forward.Headers.Add(DaprAppTokenAuthenticationHandler.HeaderName, appApiToken);
            }

            using var response = await valuation.SendAsync(forward, context.RequestAborted);
            sidecar!.Calls.Enqueue(new Call(appId, method, context.Request.Headers[TenantScope.HeaderName].ToString(), fromApp, appApiToken, response.StatusCode));
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            return Results.Empty;
        });
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        sidecar = new InvocationSidecar(app, endpoint);
        return sidecar;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record Call(string AppId, string Method, string TenantHeader, string TokenFromApp, string? TokenToCallee, HttpStatusCode Status);
}
