using System.Security.Cryptography;
using System.Text.Json;
using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;
using Platform.PortfolioTwin.Model.Training;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.Valuation.Model;

namespace Platform.TrainingWorkflow.Pipelines.Twin;

public sealed record CheckTwinDataRequest(string TenantId, TwinDataRequirements Requirements);

/// <summary>Counts the tenant's properties, users and interactions before anything is loaded.</summary>
public sealed class CheckTwinDataActivity(PropertyStore propertyStore, UserStore userStore, InteractionStore interactionStore)
    : WorkflowActivity<CheckTwinDataRequest, TwinDataCheckResult>
{
    public override async Task<TwinDataCheckResult> RunAsync(WorkflowActivityContext context, CheckTwinDataRequest input)
    {
        var ct = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var properties = await propertyStore.CountAsync(input.TenantId, ct).ConfigureAwait(false);
        var users = await userStore.CountAsync(input.TenantId, ct).ConfigureAwait(false);
        var interactions = await interactionStore.CountAsync(input.TenantId, ct).ConfigureAwait(false);
        var r = input.Requirements;
        var failure = interactions < r.MinInteractions ? $"too little data: {interactions} interactions, at least {r.MinInteractions} needed"
            : properties < r.MinProperties ? $"too little data: {properties} properties, at least {r.MinProperties} needed"
            : users < r.MinUsers ? $"too little data: {users} users, at least {r.MinUsers} needed"
            : null;
        return new TwinDataCheckResult(failure is null, failure, properties, users, interactions);
    }
}

public sealed record PrepareTwinDataRequest(string TenantId, string PriceModelName);

/// <summary>
/// Loads the tenant's properties, users and interactions and prices every property with the price champion (the twin's
/// estimated-value feature), then stores the whole set as one artifact so training reads a fixed snapshot. Negatives are
/// the users' dislikes plus properties sampled by the trainer (seeded) from those a user never touched.
/// </summary>
public sealed class PrepareTwinDataActivity(
    PropertyStore propertyStore, UserStore userStore, InteractionStore interactionStore, ModelRegistry registry, IArtifactStore artifacts, TimeProvider time)
    : WorkflowActivity<PrepareTwinDataRequest, PreparedTwinData>
{
    public override async Task<PreparedTwinData> RunAsync(WorkflowActivityContext context, PrepareTwinDataRequest input)
    {
        var ct = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var properties = new List<Property>();
        await foreach (var p in propertyStore.StreamAsync(input.TenantId, cancellationToken: ct).ConfigureAwait(false))
        {
            properties.Add(p);
        }

        var users = new List<User>();
        await foreach (var u in userStore.StreamAsync(input.TenantId, ct).ConfigureAwait(false))
        {
            users.Add(u);
        }

        var interactions = new List<Interaction>();
        await foreach (var i in interactionStore.ListSinceAsync(input.TenantId, DateTimeOffset.MinValue, ct).ConfigureAwait(false))
        {
            interactions.Add(i);
        }

        var (estimates, priceVersion) = await EstimateValuesAsync(input.TenantId, input.PriceModelName, properties, ct).ConfigureAwait(false);
        var dataset = new TwinDataset(properties, users, interactions) { EstimatedValues = estimates };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(dataset, ArtifactJson.Options);
        var id = $"training/{context.InstanceId}/twin-dataset.json";
        await artifacts.PutAsync(id, new MemoryStream(bytes), ct).ConfigureAwait(false);
        return new PreparedTwinData(
            id, Convert.ToHexStringLower(SHA256.HashData(bytes)), properties.Count, users.Count, interactions.Count,
            interactions.Count(i => i.Kind == InteractionKind.Dislike), estimates.Count, priceVersion);
    }

    /// <summary>The tenant's own price champion estimates its properties (never another tenant's model).</summary>
    private async Task<(Dictionary<string, double>, int?)> EstimateValuesAsync(string tenantId, string priceModelName, List<Property> properties, CancellationToken ct)
    {
        var champion = await registry.ResolveAsync(tenantId, priceModelName, ModelRegistry.Champion, ct).ConfigureAwait(false);
        if (champion is null)
        {
            return ([], null);
        }

        var model = PriceModel.Load(new MemoryStream(await registry.ReadModelFileAsync(champion, ct).ConfigureAwait(false)));
        if (model.Schema.ToJson() != PriceDatasetFormat.Schema.ToJson())
        {
            // A price model imported with another schema cannot price platform properties.
            return ([], null);
        }

        return (TwinEstimatedValues.Estimate(model, properties, time.GetUtcNow().UtcDateTime), champion.Version);
    }
}

/// <summary>Trains the twin on the prepared snapshot (quality gates checked by the trainer) and stages model, report and report plots.</summary>
public sealed class TrainTwinModelActivity(IArtifactStore artifacts) : WorkflowActivity<TrainTwinModelRequest, TrainedTwinModel>
{
    public override async Task<TrainedTwinModel> RunAsync(WorkflowActivityContext context, TrainTwinModelRequest input)
    {
        var ct = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        TwinDataset dataset;
        await using (var stream = await artifacts.OpenReadAsync(input.DatasetArtifactId, ct).ConfigureAwait(false))
        {
            dataset = await JsonSerializer.DeserializeAsync<TwinDataset>(stream, ArtifactJson.Options, ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Artifact '{input.DatasetArtifactId}' is empty.");
        }

        var options = input.Input.ToOptions();
        var result = await Task.Run(() => new TwinTrainer().Train(dataset, options, cancellationToken: ct), ct).ConfigureAwait(false);
        using var model = result.Model;
        using var file = new MemoryStream();
        model.Save(file);
        file.Position = 0;
        var modelId = $"training/{context.InstanceId}/twin-model.bin";
        await artifacts.PutAsync(modelId, file, ct).ConfigureAwait(false);
        var reportId = $"training/{context.InstanceId}/twin-report.json";
        await ArtifactJson.WriteAsync(artifacts, reportId, result.Report, ct).ConfigureAwait(false);
        await ReportPlots.WriteAsync(artifacts, reportId,
            TwinReportPlots.Render(result.History, result.Report).Select(p => new ReportPlotImage(p.Name, p.Title, p.Png)), ct).ConfigureAwait(false);
        var metrics = new Dictionary<string, double>(model.Metadata.Metrics, StringComparer.Ordinal)
        {
            ["epochs_run"] = result.Report.EpochsRun,
            ["first_loss"] = result.History[0].TrainLoss,
            ["last_loss"] = result.History[^1].TrainLoss,
        };
        return new TrainedTwinModel(modelId, reportId, metrics, result.Report.GateFailures, result.Report.EpochsRun);
    }
}

/// <summary>The tenant's champion's version and the metrics recorded when it was registered.</summary>
public sealed class LoadChampionMetricsActivity(ModelRegistry registry) : WorkflowActivity<ChampionMetricsRequest, ChampionMetrics>
{
    public override async Task<ChampionMetrics> RunAsync(WorkflowActivityContext context, ChampionMetricsRequest input)
    {
        var champion = await registry.ResolveAsync(input.TenantId, input.ModelName, ModelRegistry.Champion, CancellationToken.None).ConfigureAwait(false);
        return new ChampionMetrics(champion?.Version, champion is null ? [] : new Dictionary<string, double>(champion.Metrics, StringComparer.Ordinal));
    }
}
