using System.Globalization;
using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Reporting;

namespace Platform.TrainingWorkflow.Pipelines.Price;

public sealed record EvaluatePriceModelInput(
    string TenantId,
    string ModelName, PriceDatasetSnapshot Snapshot, string ModelArtifactId, double HoldoutShare, string? KeySegment,
    int TrainingRows = 0, double TrainSeconds = 0);

/// <summary>
/// Scores the candidate and the current champion on the snapshot's holdout. The champion is scored only when it reads the
/// same schema (a model imported with another schema cannot price these rows); its recorded metrics are returned as well.
/// </summary>
public sealed class EvaluatePriceModelActivity(ModelRegistry registry, IArtifactStore artifacts, PriceSnapshotCache snapshots)
    : WorkflowActivity<EvaluatePriceModelInput, PriceEvaluation>
{
    public override async Task<PriceEvaluation> RunAsync(WorkflowActivityContext context, EvaluatePriceModelInput input)
    {
        var cancellationToken = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var dataset = (await snapshots.GetAsync(input.Snapshot.CsvArtifactId, cancellationToken).ConfigureAwait(false)).Dataset;
        var holdout = dataset.Rows.Where(r => PriceDatasetFormat.IsHoldout(r, input.HoldoutShare)).ToList();
        if (holdout.Count == 0)
        {
            // The same snapshot and share give the same empty holdout on every attempt: not worth a retry.
            throw new PermanentActivityException($"The holdout of snapshot {input.Snapshot.CsvArtifactId} is empty; raise HoldoutShare or add data.");
        }

        var keySegment = input.KeySegment
            ?? holdout.GroupBy(r => r.Segment ?? "(missing)").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;

        var candidate = PriceModel.Load(new MemoryStream(await ArtifactJson.ReadBytesAsync(artifacts, input.ModelArtifactId, cancellationToken).ConfigureAwait(false)));
        var candidateScore = Score(candidate, holdout);
        var reportArtifactId = $"reports/{input.TenantId}/{input.ModelName}/{context.InstanceId}/report.md";
        await WriteReportAsync(candidate, holdout, input, reportArtifactId, cancellationToken).ConfigureAwait(false);

        var champion = await registry.ResolveAsync(input.TenantId, input.ModelName, ModelRegistry.Champion, cancellationToken).ConfigureAwait(false);
        PriceScore? championOnHoldout = null;
        if (champion is not null)
        {
            var championModel = PriceModel.Load(new MemoryStream(await registry.ReadModelFileAsync(champion, cancellationToken).ConfigureAwait(false)));
            if (championModel.Schema.ToJson() == dataset.Schema.ToJson())
            {
                championOnHoldout = Score(championModel, holdout);
            }
        }

        return new PriceEvaluation(candidateScore, holdout.Count, keySegment, champion?.Version, championOnHoldout,
            champion is null ? null : PriceMetricKeys.Read(champion.Metrics), reportArtifactId);
    }

    /// <summary>
    /// The quality report a person reads (<c>GET /metrics/summary</c> serves it once the version is registered) and its plots
    /// beside it (<c>GET /registry/{model}/versions/{version}/plots</c>).
    /// </summary>
    private async Task WriteReportAsync(
        PriceModel candidate, IReadOnlyList<SaleRecord> holdout, EvaluatePriceModelInput input, string artifactId, CancellationToken cancellationToken)
    {
        var actual = holdout.Select(r => r.Price).ToArray();
        var predicted = new double[holdout.Count];
        var covered = 0;
        for (var i = 0; i < holdout.Count; i++)
        {
            var (estimate, low, high) = candidate.PredictPrice(holdout[i]);
            predicted[i] = estimate;
            covered += actual[i] >= low && actual[i] <= high ? 1 : 0;
        }

        var summary = MetricsCalculator.Summarise(actual, predicted, [.. holdout.Select(r => r.Segment)]);
        var report = new PriceReport(summary, input.TrainingRows, holdout.Count, candidate.IntervalLevel, 100.0 * covered / holdout.Count,
            candidate.Trainer, input.TrainSeconds, candidate.Schema.ToJson(), candidate.FeatureImportance, Training: candidate.Training);
        var plots = ReportWriter.Plots(report, actual, predicted);
        await ReportPlots.WriteAsync(artifacts, artifactId, plots.Select(p => new ReportPlotImage(p.Name, p.Title, p.Png)), cancellationToken)
            .ConfigureAwait(false);
        using var markdown = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReportWriter.Markdown(report, [.. plots.Select(p => p.Name + ".png")])));
        await artifacts.PutAsync(artifactId, markdown, cancellationToken).ConfigureAwait(false);
    }

    public static PriceScore Score(PriceModel model, IReadOnlyList<SaleRecord> rows)
    {
        var predicted = new double[rows.Count];
        model.PredictPrices(rows, predicted);
        var summary = MetricsCalculator.Summarise([.. rows.Select(r => r.Price)], predicted, [.. rows.Select(r => r.Segment)]);
        return new PriceScore(
            summary.Overall.MdAPE,
            summary.Overall.WAPE,
            summary.Overall.MAPE,
            summary.Overall.PPE10,
            summary.Segments.ToDictionary(s => s.Segment, s => s.Metrics.MdAPE, StringComparer.Ordinal));
    }
}

/// <summary>How price metrics are named in the model registry.</summary>
public static class PriceMetricKeys
{
    public const string MdApe = "mdape";
    public const string Wape = "wape";
    public const string Mape = "mape";
    public const string Ppe10 = "ppe10";
    public const string SegmentMdApePrefix = "mdape.";

    public static Dictionary<string, double> Write(PriceScore score, int trainingRows, int holdoutRows)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MdApe] = score.MdApe,
            [Wape] = score.Wape,
            [Mape] = score.Mape,
            [Ppe10] = score.Ppe10,
            ["training_rows"] = trainingRows,
            ["holdout_rows"] = holdoutRows,
        };
        foreach (var (segment, mdape) in score.SegmentMdApe)
        {
            metrics[SegmentMdApePrefix + segment] = mdape;
        }

        return metrics;
    }

    /// <summary>The recorded score of a registered version, or null when it was registered without these metrics.</summary>
    public static PriceScore? Read(IReadOnlyDictionary<string, double> metrics) =>
        metrics.TryGetValue(MdApe, out var mdape) && metrics.TryGetValue(Wape, out var wape)
            ? new PriceScore(
                mdape,
                wape,
                metrics.GetValueOrDefault(Mape, double.NaN),
                metrics.GetValueOrDefault(Ppe10, double.NaN),
                metrics.Where(m => m.Key.StartsWith(SegmentMdApePrefix, StringComparison.Ordinal))
                    .ToDictionary(m => m.Key[SegmentMdApePrefix.Length..], m => m.Value, StringComparer.Ordinal))
            : null;

    internal static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
