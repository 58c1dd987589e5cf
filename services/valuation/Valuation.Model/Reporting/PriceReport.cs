using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Valuation.Model.Evaluation;

namespace Platform.Valuation.Model.Reporting;

/// <summary>The outcome of one train-and-evaluate run, as written to REPORT.json and the Markdown report.</summary>
public sealed record PriceReport(
    EvaluationSummary Evaluation, int TrainRows, int TestRows, double IntervalLevel, double IntervalCoverage,
    string Trainer, double TrainSeconds, string? Schema = null, IReadOnlyDictionary<string, double>? FeatureImportance = null)
{
    /// <summary>The REPORT.json contract: exactly these top-level keys (scripts depend on them).</summary>
    public JsonObject ToJson()
    {
        var m = Evaluation.Overall;
        var segments = new JsonArray();
        foreach (var s in Evaluation.Segments)
        {
            segments.Add(new JsonObject
            {
                ["segment"] = s.Segment,
                ["n"] = s.Metrics.Count,
                ["MdAPE"] = Round(s.Metrics.MdAPE),
                ["WAPE"] = Round(s.Metrics.WAPE),
                ["AE_p90"] = Round(s.Metrics.AE_p90),
                ["status"] = s.Status.ToString(),
                ["tail_risk"] = s.TailRisk,
            });
        }
        return new JsonObject
        {
            ["MdAPE"] = Round(m.MdAPE),
            ["MAPE"] = Round(m.MAPE),
            ["WAPE"] = Round(m.WAPE),
            ["MAE"] = Round(m.MAE),
            ["RMSE"] = Round(m.RMSE),
            ["AE_p90"] = Round(m.AE_p90),
            ["PPE10"] = Round(m.PPE10),
            ["PPE20"] = Round(m.PPE20),
            ["RMSLE"] = Round(m.RMSLE, 6),
            ["n_train"] = TrainRows,
            ["n_test"] = TestRows,
            ["interval_level"] = IntervalLevel,
            ["interval_coverage"] = Round(IntervalCoverage),
            ["trainer"] = Trainer,
            ["train_seconds"] = Round(TrainSeconds, 3),
            ["segments"] = segments,
        };
    }

    public void WriteJson(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static double? Round(double v, int digits = 4) => double.IsFinite(v) ? Math.Round(v, digits) : null;
}
