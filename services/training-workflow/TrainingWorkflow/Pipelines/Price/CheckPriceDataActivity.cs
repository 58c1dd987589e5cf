using System.Globalization;
using System.Text;
using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Postgres;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Pipelines.Price;

public sealed record CheckPriceDataRequest(string TenantId, string ModelName, PriceDataCheckOptions Options);

/// <summary>
/// Extracts the tenant's sales (joined with property features) from PostgreSQL, stages them as CSV and checks them:
/// minimum rows, schema, rejected rows, null rates of required columns, label sanity and drift against the snapshot the
/// current champion was trained on. Checks compare against that snapshot's profile, so the old rows are not re-read.
/// </summary>
public sealed class CheckPriceDataActivity(TransactionStore transactions, ModelRegistry registry, IArtifactStore artifacts, PriceSnapshotCache snapshots)
    : WorkflowActivity<CheckPriceDataRequest, PriceDataCheckResult>
{
    public override async Task<PriceDataCheckResult> RunAsync(WorkflowActivityContext context, CheckPriceDataRequest input)
    {
        var cancellationToken = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var csv = new StringBuilder(PriceDatasetFormat.Header).Append('\n');
        var sales = 0;
        await foreach (var row in transactions.StreamSalesWithPropertiesAsync(input.TenantId, cancellationToken).ConfigureAwait(false))
        {
            csv.Append(PriceDatasetFormat.Line(row.Sale, row.Property)).Append('\n');
            sales++;
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        var stagedId = $"datasets/{input.ModelName}/{input.TenantId}/{context.InstanceId}/sales.csv";
        await artifacts.PutAsync(stagedId, new MemoryStream(bytes), cancellationToken).ConfigureAwait(false);

        if (sales == 0)
        {
            return new PriceDataCheckResult(false, [$"too few sales: tenant '{input.TenantId}' has none, at least {input.Options.MinRows} needed"], 0, 0, stagedId, null);
        }

        var failures = new List<string>();
        SalesDataset dataset;
        try
        {
            // Parsed once per run: the snapshot, training and evaluation steps take it from the cache.
            dataset = snapshots.Parse(stagedId, bytes, $"sales of tenant '{input.TenantId}'").Dataset;
        }
        catch (DatasetFormatException exception)
        {
            // No rows at all, or a schema mismatch: nothing further can be checked.
            return new PriceDataCheckResult(false, [exception.Message], 0, 0, stagedId, null);
        }

        var reference = await ReferenceAsync(input.TenantId, input.ModelName, cancellationToken).ConfigureAwait(false);
        failures.AddRange(PriceDataChecks.Run(dataset, input.Options, reference?.Profile));
        return new PriceDataCheckResult(
            failures.Count == 0, failures, dataset.Manifest.RowsRead, dataset.Manifest.RowsKept, stagedId, reference?.ManifestArtifactId);
    }

    private async Task<(DatasetProfile Profile, string ManifestArtifactId)?> ReferenceAsync(string tenantId, string modelName, CancellationToken cancellationToken)
    {
        var champion = await registry.ResolveAsync(tenantId, modelName, ModelRegistry.Champion, cancellationToken).ConfigureAwait(false);
        if (champion?.Lineage.TrainingManifestArtifactId is not { } manifestId || !await artifacts.ExistsAsync(manifestId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var manifest = await ArtifactJson.ReadAsync<PriceSnapshotManifest>(artifacts, manifestId, cancellationToken).ConfigureAwait(false);
        return (manifest.Profile, manifestId);
    }
}

/// <summary>The data checks as a pure function of the dataset, so each rule is testable on its own.</summary>
public static class PriceDataChecks
{
    public static IReadOnlyList<string> Run(SalesDataset dataset, PriceDataCheckOptions options, DatasetProfile? reference)
    {
        var failures = new List<string>();
        var manifest = dataset.Manifest;
        if (manifest.RowsKept < options.MinRows)
        {
            failures.Add($"too few sales: {manifest.RowsKept} usable rows, at least {options.MinRows} needed");
        }

        var rejected = manifest.RowsRead == 0 ? 0 : (double)manifest.RowsRejected / manifest.RowsRead;
        if (rejected > options.MaxRejectedShare)
        {
            var examples = string.Join("; ", manifest.Issues.Take(3));
            failures.Add($"{P(rejected)} of sales rejected (at most {P(options.MaxRejectedShare)} allowed), e.g. {examples}");
        }

        var profile = DatasetProfile.Compute(dataset);
        foreach (var column in options.RequiredColumns)
        {
            if (profile.Columns.TryGetValue(column, out var p) && p.NullRate > options.MaxNullRate)
            {
                failures.Add($"column '{column}' is {P(p.NullRate)} missing (at most {P(options.MaxNullRate)} allowed)");
            }
        }

        if (reference is null)
        {
            return failures;
        }

        var shift = profile.MedianPricePerSquareMetre / reference.MedianPricePerSquareMetre;
        if (!(shift <= options.MaxPricePerSquareMetreShift && shift >= 1 / options.MaxPricePerSquareMetreShift))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"label sanity: median price per m² moved from {reference.MedianPricePerSquareMetre:F0} to {profile.MedianPricePerSquareMetre:F0} (factor {shift:F2}, at most {options.MaxPricePerSquareMetreShift} allowed)"));
        }

        foreach (var (column, psi) in reference.Psi(dataset).Where(c => c.Value > options.MaxPsi).OrderByDescending(c => c.Value))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"drift in column '{column}' against the champion's training snapshot: PSI {psi:F3} > {options.MaxPsi}"));
        }

        return failures;
    }

    private static string P(double share) => share.ToString("P1", CultureInfo.InvariantCulture);
}
