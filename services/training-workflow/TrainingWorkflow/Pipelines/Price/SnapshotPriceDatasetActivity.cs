using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>Describes a dataset snapshot: what was kept, what was dropped and why, and the hash that identifies the data.</summary>
public sealed record PriceSnapshotManifest
{
    public required string TenantId { get; init; }

    public required string CsvArtifactId { get; init; }

    public required string Sha256 { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string WorkflowInstanceId { get; init; }

    public required DatasetSchema Schema { get; init; }

    public required int RowsRead { get; init; }

    public required int RowsKept { get; init; }

    /// <summary>Dropped rows per column at fault.</summary>
    public required Dictionary<string, int> DroppedByColumn { get; init; }

    /// <summary>The first <see cref="SnapshotPriceDatasetActivity.MaxListedDrops"/> dropped rows with line and reason.</summary>
    public required IReadOnlyList<RowIssue> DroppedRows { get; init; }

    public required DatasetProfile Profile { get; init; }
}

public sealed record SnapshotPriceDatasetRequest(string TenantId, string CsvArtifactId);

/// <summary>Freezes the checked CSV as the training snapshot: computes its hash and profile and writes the manifest next to it.</summary>
public sealed class SnapshotPriceDatasetActivity(IArtifactStore artifacts, PriceSnapshotCache snapshots, TimeProvider time)
    : WorkflowActivity<SnapshotPriceDatasetRequest, PriceDatasetSnapshot>
{
    public const int MaxListedDrops = 1000;

    public override async Task<PriceDatasetSnapshot> RunAsync(WorkflowActivityContext context, SnapshotPriceDatasetRequest input)
    {
        var cancellationToken = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var (dataset, hash) = await snapshots.GetAsync(input.CsvArtifactId, cancellationToken).ConfigureAwait(false);
        var manifest = new PriceSnapshotManifest
        {
            TenantId = input.TenantId,
            CsvArtifactId = input.CsvArtifactId,
            Sha256 = hash,
            CreatedAt = time.GetUtcNow(),
            WorkflowInstanceId = context.InstanceId,
            Schema = dataset.Schema,
            RowsRead = dataset.Manifest.RowsRead,
            RowsKept = dataset.Manifest.RowsKept,
            DroppedByColumn = dataset.Manifest.Issues.GroupBy(i => i.Column).ToDictionary(g => g.Key, g => g.Count()),
            DroppedRows = [.. dataset.Manifest.Issues.Take(MaxListedDrops)],
            Profile = DatasetProfile.Compute(dataset),
        };
        var manifestId = ManifestIdFor(input.CsvArtifactId);
        await ArtifactJson.WriteAsync(artifacts, manifestId, manifest, cancellationToken).ConfigureAwait(false);
        return new PriceDatasetSnapshot(input.CsvArtifactId, manifestId, hash, dataset.Manifest.RowsKept);
    }

    private static string ManifestIdFor(string csvArtifactId)
    {
        var slash = csvArtifactId.LastIndexOf('/');
        return (slash < 0 ? "" : csvArtifactId[..(slash + 1)]) + "manifest.json";
    }
}
