namespace Platform.Valuation.Model.Training;

/// <summary>One candidate member of the blend, scored out of fold on the search rows.</summary>
public sealed record BlendMemberScore(string Name, double Weight, double CvMeanAbsLogError, double CvMdApe, double CvPpe10, Dictionary<string, double> Parameters);

/// <summary>
/// How a price model was chosen: the hyperparameter search (every candidate's CV scores), the blend members with their
/// out-of-fold scores and weights, and how its intervals were calibrated. Goes into the report and the registry lineage.
/// </summary>
public sealed record PriceTrainingSummary
{
    public double? TuneSeconds { get; init; }
    public required double SearchSeconds { get; init; }
    public required int SearchRows { get; init; }
    public required int SearchFolds { get; init; }
    public required bool StoppedByBudget { get; init; }
    public required BoostingParameters Chosen { get; init; }
    public required IReadOnlyList<SearchTrial> Trials { get; init; }
    public required IReadOnlyList<BlendMemberScore> Members { get; init; }
    /// <summary>The blend scored with weights fitted on the other folds (null when no blend was considered).</summary>
    public BlendMemberScore? Blend { get; init; }
    public required bool BlendKept { get; init; }
    /// <summary>"adaptive" (normalised split conformal) or "flat".</summary>
    public required string IntervalMethod { get; init; }
    /// <summary>Share of the difficulty model in an estimate's scale (0 = flat, 1 = the model alone), chosen for the narrowest intervals.</summary>
    public required double IntervalShrink { get; init; }
    /// <summary>Where the conformal scores came from: "out-of-fold" (small data, model refitted on all sales) or "holdout".</summary>
    public required string CalibrationSource { get; init; }
    public required int CalibrationRows { get; init; }

    /// <summary>Flat key/value form for the registry lineage (parameters) and other string maps.</summary>
    public Dictionary<string, string> Describe()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tune_seconds"] = TuneSeconds is { } t ? Invariant(t) : "off",
            ["tune_trials"] = Invariant(Trials.Count),
            ["tune_best_trial"] = Invariant(Trials.MinBy(x => x.CvMeanAbsLogError)?.Index ?? 0),
            ["tune_cv_mdape"] = Invariant(Math.Round(Trials.Min(x => x.CvMdApe), 4)),
            ["blend"] = string.Join('+', Members.Where(m => m.Weight > 0).Select(m => FormattableString.Invariant($"{m.Name}:{m.Weight:0.##}"))),
            ["interval_method"] = IntervalMethod,
        };
        foreach (var (k, v) in Chosen.Describe()) d["chosen." + k] = Invariant(v);
        return d;
    }

    private static string Invariant(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
