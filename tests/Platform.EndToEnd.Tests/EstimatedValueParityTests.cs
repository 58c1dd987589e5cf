using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;
using Platform.Host;
using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Api;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.PortfolioTwin.Model.Features;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Twin;
using Platform.Valuation.Api;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Training;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Train/serve parity of the twin's estimated-value feature: a property's feature vector built when the twin trains (the
/// training pipeline pricing it with the price champion) equals the one built when it is served — in process in the
/// all-in-one host and through valuation's <c>POST /estimate</c> as a Dapr deployment calls it.
/// </summary>
public sealed class EstimatedValueParityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 15, 27, 123, TimeSpan.Zero);
    private static readonly Lazy<(IReadOnlyList<Property> Properties, byte[] ModelFile)> Market = new(TrainPriceModel);

    private readonly DirectoryInfo _artifacts = Directory.CreateTempSubdirectory("twin-parity-");

    [Fact]
    public async Task The_all_in_one_host_serves_the_feature_vector_training_built()
    {
        var (properties, modelFile) = Market.Value;
        using var host = await ValuationHostAsync(modelFile);
        var served = await host.Services.GetRequiredService<IEstimatedValueProvider>().EstimateAsync(properties, CancellationToken.None);

        Assert.IsType<InProcessValuationEstimates>(host.Services.GetRequiredService<IEstimatedValueProvider>());
        AssertSameFeatures(properties, Trained(properties, modelFile), served);
    }

    [Fact]
    public async Task Under_Dapr_the_valuation_service_is_asked_in_batches_and_serves_the_feature_vector_training_built()
    {
        var (properties, modelFile) = Market.Value;
        using var host = await ValuationHostAsync(modelFile);
        var invoker = new ValuationEndpointInvoker(host.Services.GetRequiredService<EstimationService>());
        var options = new PortfolioTwinOptions { ValuationBatchSize = 250 };
        var provider = new ValuationServiceEstimates(invoker, new FixedOptions(options), new FixedTime(), NullLogger<ValuationServiceEstimates>.Instance);

        var served = await provider.EstimateAsync(properties, CancellationToken.None);

        Assert.Equal((properties.Count + 249) / 250, invoker.Calls.Count);
        Assert.All(invoker.Calls, call => Assert.Equal(("valuation", "estimate"), call));
        AssertSameFeatures(properties, Trained(properties, modelFile), served);
    }

    [Fact]
    public async Task Without_a_price_model_the_feature_is_unknown_at_serving_as_in_training_without_a_champion()
    {
        var (properties, _) = Market.Value;
        using var host = await ValuationHostAsync(modelFile: null);
        var served = await host.Services.GetRequiredService<IEstimatedValueProvider>().EstimateAsync(properties, CancellationToken.None);

        Assert.Equal(properties.Count, served.Count);
        Assert.All(served, Assert.Null);
    }

    [Fact]
    public void The_twin_module_asks_the_valuation_service_under_Dapr_and_has_no_estimates_embedded_on_its_own()
    {
        Assert.Equal(typeof(ValuationServiceEstimates), ProviderType("Dapr"));
        Assert.Equal(typeof(NoEstimatedValueProvider), ProviderType("Embedded"));

        static Type? ProviderType(string runtime)
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection([new("Platform:Runtime", runtime)]);
            builder.AddPortfolioTwin();
            return builder.Services.Single(d => d.ServiceType == typeof(IEstimatedValueProvider)).ImplementationType;
        }
    }

    public void Dispose() => _artifacts.Delete(recursive: true);

    private static void AssertSameFeatures(IReadOnlyList<Property> properties, Dictionary<string, double> trained, IReadOnlyList<double?> served)
    {
        Assert.Equal(properties.Count, served.Count);
        // Not vacuous: the price model prices (nearly) every property of its own market.
        Assert.True(trained.Count > properties.Count * 0.9, $"training priced only {trained.Count} of {properties.Count} properties");
        for (var i = 0; i < properties.Count; i++)
        {
            var property = properties[i];
            double? atTraining = trained.TryGetValue(property.PropertyId, out var value) ? value : null;
            Assert.Equal(atTraining, served[i]);
            Assert.Equal(PropertyFeatureBuilder.Build(property, atTraining), PropertyFeatureBuilder.Build(property, served[i]));
        }
    }

    /// <summary>The estimates the twin training pipeline stores with its dataset, priced at the same moment.</summary>
    private static Dictionary<string, double> Trained(IReadOnlyList<Property> properties, byte[] modelFile) =>
        TwinEstimatedValues.Estimate(PriceModel.Load(new MemoryStream(modelFile)), properties, Now.UtcDateTime);

    /// <summary>The valuation module as the all-in-one host composes it, its champion registered (or none), and the twin's provider.</summary>
    private async Task<IHost> ValuationHostAsync(byte[]? modelFile)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection([new("Platform:Embedded:ArtifactsPath", _artifacts.FullName)]);
        builder.Services.AddSingleton<TimeProvider>(new FixedTime());
        builder.Services.AddSingleton<IStateStore, InMemoryStateStore>();
        builder.Services.AddSingleton<IArtifactStore>(new FileSystemArtifactStore(_artifacts.FullName));
        builder.Services.AddEmbeddedBuildingBlocks(builder.Configuration);
        builder.AddValuation();
        builder.Services.AddSingleton<IEstimatedValueProvider, InProcessValuationEstimates>();
        var host = builder.Build();
        if (modelFile is not null)
        {
            var registry = host.Services.GetRequiredService<ModelRegistry>();
            var version = await registry.RegisterAsync("parity", "price", new MemoryStream(modelFile), new Dictionary<string, double>(), new ModelLineage("parity", new Dictionary<string, string>(), "test"));
            await registry.SetAliasAsync("parity", "price", ModelRegistry.Champion, version.Version);
        }

        return host;
    }

    /// <summary>A synthetic market and a small price model trained on its sales through the pipeline's dataset format.</summary>
    private static (IReadOnlyList<Property>, byte[]) TrainPriceModel()
    {
        var market = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 900, Users = 10, InteractionsPerUser = 5, Seed = 17, TenantId = "parity" });
        var properties = market.Properties.ToDictionary(p => p.PropertyId, StringComparer.Ordinal);
        var csv = new StringBuilder(PriceDatasetFormat.Header).Append('\n');
        foreach (var sale in market.Sales)
        {
            csv.Append(PriceDatasetFormat.Line(sale.Sale, properties[sale.Sale.PropertyId])).Append('\n');
        }

        var rows = PriceDatasetFormat.Read(Encoding.UTF8.GetBytes(csv.ToString()), "parity").Rows;
        var model = PriceModelTrainer.Train(rows, PriceDatasetFormat.Schema, new PriceTrainingOptions { Seed = 5, Iterations = 60, Ensemble = false, AdaptiveIntervals = false });
        using var file = new MemoryStream();
        model.Save(file);
        return (market.Properties, file.ToArray());
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FixedOptions(PortfolioTwinOptions value) : IOptionsMonitor<PortfolioTwinOptions>
    {
        public PortfolioTwinOptions CurrentValue => value;

        public PortfolioTwinOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PortfolioTwinOptions, string?> listener) => null;
    }

    /// <summary>
    /// Service invocation to the valuation module's estimate path with the wire's JSON on both sides (the request as
    /// <see cref="DaprServiceInvoker"/> writes it, the reply as <c>POST /estimate</c> writes it); the HTTP hop through the
    /// sidecar is covered by the Dapr adapter tests.
    /// </summary>
    private sealed class ValuationEndpointInvoker(EstimationService estimation) : IServiceInvoker
    {
        public List<(string AppId, string Method)> Calls { get; } = [];

        public async Task<TResponse> InvokeAsync<TRequest, TResponse>(
            string appId, string method, TRequest request, CancellationToken cancellationToken = default, IReadOnlyDictionary<string, string>? headers = null)
        {
            Calls.Add((appId, method));
            // The tenant header as POST /estimate reads it: the call is priced by that tenant's champion.
            var tenantId = headers?["X-Tenant-Id"] ?? throw new ServiceInvocationException(appId, method, 400, "no tenant");
            using var body = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(request, JsonSerializerOptions.Web));
            var model = await estimation.GetModelAsync(tenantId, cancellationToken) ?? throw new ServiceInvocationException(appId, method, 503, "no model");
            var response = estimation.Estimate(tenantId, model, body.RootElement.GetProperty("properties"), 0, EstimationService.HttpSource);
            if (response.Accepted == 0)
            {
                throw new ServiceInvocationException(appId, method, 422, "no row estimated");
            }

            var reply = JsonSerializer.SerializeToUtf8Bytes(response, ValuationJson.Options);
            return JsonSerializer.Deserialize<TResponse>(reply, JsonSerializerOptions.Web)!;
        }
    }
}
