using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Model.Reporting;

/// <summary>The outcome of one train-and-evaluate run, as written to REPORT.json and the Markdown report.</summary>
public sealed record PriceReport(
    EvaluationSummary Evaluation, int TrainRows, int TestRows, double IntervalLevel, double IntervalCoverage,
    string Trainer, double TrainSeconds, string? Schema = null, IReadOnlyDictionary<string, double>? FeatureImportance = null,
    IntervalStudy? Intervals = null, PriceTrainingSummary? Training = null)
{
    /// <summary>
    /// The REPORT.json contract: the keys up to <c>segments</c> are fixed (scripts depend on them); <c>ratio_study</c>,
    /// <c>intervals</c>, <c>tuning</c> and <c>ensemble</c> were added after them and appear when known.
    /// </summary>
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
        var json = new JsonObject
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
        if (Evaluation.Ratios is { } ratios)
        {
            json["ratio_study"] = new JsonObject
            {
                ["acceptance"] = new JsonObject
                {
                    ["median_ratio"] = new JsonArray(RatioStatistics.Acceptance.MedianLow, RatioStatistics.Acceptance.MedianHigh),
                    ["COD"] = new JsonArray(RatioStatistics.Acceptance.CodLow, RatioStatistics.Acceptance.CodHigh),
                    ["PRD"] = new JsonArray(RatioStatistics.Acceptance.PrdLow, RatioStatistics.Acceptance.PrdHigh),
                    ["PRB"] = new JsonArray(-RatioStatistics.Acceptance.PrbLimit, RatioStatistics.Acceptance.PrbLimit),
                },
                ["overall"] = Ratio(ratios.Overall),
                ["segments"] = new JsonArray([.. ratios.Segments.Select(s => (JsonNode)Ratio(s.Statistics, s.Segment))]),
            };
        }
        if (Intervals is { } iv)
        {
            var node = new JsonObject
            {
                ["method"] = iv.Method,
                ["level"] = iv.Level,
                ["overall"] = Interval(iv.Overall),
                ["segments"] = new JsonArray([.. iv.Segments.Select(s => (JsonNode)Interval(s.Statistics, s.Segment))]),
            };
            if (iv.Flat is { } flat) node["flat"] = Interval(flat);
            if (iv.FlatAtEqualCoverage is { } equal) node["flat_at_equal_coverage"] = Interval(equal);
            json["intervals"] = node;
        }
        if (Training is { } t)
        {
            var training = TrainingJson(t);
            json["tuning"] = training["tuning"]!.DeepClone();
            json["ensemble"] = training["ensemble"]!.DeepClone();
        }
        return json;
    }

    /// <summary>The <c>tuning</c> and <c>ensemble</c> sections for one training summary.</summary>
    public static JsonObject TrainingJson(PriceTrainingSummary t)
    {
        var tuning = new JsonObject
        {
            ["budget_seconds"] = t.TuneSeconds,
            ["search_seconds"] = t.SearchSeconds,
            ["rows"] = t.SearchRows,
            ["folds"] = t.SearchFolds,
            ["stopped_by_budget"] = t.StoppedByBudget,
            ["chosen"] = Map(t.Chosen.Describe()),
            ["trials"] = new JsonArray([.. t.Trials.Select(x => (JsonNode)new JsonObject
                {
                    ["trial"] = x.Index,
                    ["cv_mean_abs_log_error"] = Round(x.CvMeanAbsLogError, 6),
                    ["cv_MdAPE"] = Round(x.CvMdApe),
                    ["cv_PPE10"] = Round(x.CvPpe10),
                    ["seconds"] = Round(x.Seconds, 3),
                    ["parameters"] = Map(x.Parameters.Describe()),
                })]),
        };
        var ensemble = new JsonObject
        {
            ["kept"] = t.BlendKept,
            ["members"] = new JsonArray([.. t.Members.Select(m => (JsonNode)Member(m))]),
            ["blend_cv"] = t.Blend is { } b ? Member(b) : null,
            ["interval_method"] = t.IntervalMethod,
            ["interval_shrink"] = t.IntervalShrink,
            ["calibration"] = t.CalibrationSource,
            ["calibration_rows"] = t.CalibrationRows,
        };
        return new JsonObject { ["tuning"] = tuning, ["ensemble"] = ensemble };
    }

    private static JsonObject Ratio(RatioStatistics r, string? segment = null)
    {
        var o = new JsonObject();
        if (segment is not null) o["segment"] = segment;
        o["n"] = r.Count;
        o["median_ratio"] = Round(r.MedianRatio);
        o["COD"] = Round(r.Cod);
        o["PRD"] = Round(r.Prd);
        o["PRB"] = Round(r.Prb);
        o["flags"] = new JsonArray([.. r.Flags.Select(f => (JsonNode)f)]);
        return o;
    }

    private static JsonObject Interval(IntervalStatistics s, string? segment = null)
    {
        var o = new JsonObject();
        if (segment is not null) o["segment"] = segment;
        o["n"] = s.Count;
        o["coverage"] = Round(s.Coverage);
        o["mean_relative_width"] = Round(s.MeanRelativeWidth);
        return o;
    }

    private static JsonObject Member(BlendMemberScore m) => new()
    {
        ["name"] = m.Name,
        ["weight"] = m.Weight,
        ["cv_mean_abs_log_error"] = Round(m.CvMeanAbsLogError, 6),
        ["cv_MdAPE"] = Round(m.CvMdApe),
        ["cv_PPE10"] = Round(m.CvPpe10),
        ["parameters"] = Map(m.Parameters),
    };

    private static JsonObject Map(Dictionary<string, double> values) => new([.. values.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Round(kv.Value, 6)))]);

    public void WriteJson(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static double? Round(double v, int digits = 4) => double.IsFinite(v) ? Math.Round(v, digits) : null;
}
