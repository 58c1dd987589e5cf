using System.ComponentModel.DataAnnotations;
using Platform.BuildingBlocks.Registry;

namespace Platform.Valuation.Api;

/// <summary>
/// Settings of the valuation service (configuration section <c>Valuation</c>), validated when the host starts; the champion's
/// name, TTL and Retry-After come from <see cref="ChampionModelOptions"/>.
/// </summary>
public sealed class ValuationOptions : ChampionModelOptions
{
    public const string SectionName = "Valuation";

    public ValuationOptions() => ModelName = ModelNames.Price;

    /// <summary>Most rows one estimate request may carry; more is answered 413.</summary>
    [Range(1, 100_000)]
    public int BatchLimit { get; set; } = 1_000;

    /// <summary>How far outside the training range a numeric value may lie, as a fraction of that range's width.</summary>
    [Range(0.0, 10.0)]
    public double RangeMargin { get; set; } = 0.1;

    /// <summary>Reject categories the model never saw in training (true), or let the model treat them as unknown.</summary>
    public bool StrictCategories { get; set; } = true;

    /// <summary>Feature contributions returned with each estimate, largest first.</summary>
    [Range(1, 50)]
    public int TopContributions { get; set; } = 5;

    /// <summary>Upper bound of <c>?comparables=k</c>.</summary>
    [Range(1, 100)]
    public int MaxComparables { get; set; } = 20;

    /// <summary>Accepted request rows kept per feature for drift monitoring.</summary>
    [Range(10, 1_000_000)]
    public int DriftWindowSize { get; set; } = 2_000;

    /// <summary>Rows the window needs before drift is judged at all.</summary>
    [Range(10, 1_000_000)]
    public int DriftMinSamples { get; set; } = 200;

    /// <summary>Drift is re-evaluated (and alerts published) after this many new rows.</summary>
    [Range(1, 1_000_000)]
    public int DriftCheckEveryRows { get; set; } = 500;

    /// <summary>
    /// At most one drift evaluation per interval: at tens of thousands of rows a second, a check every few hundred rows
    /// would spend a core sorting windows for the KS statistic.
    /// </summary>
    public TimeSpan DriftCheckMinInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>PSI from which a feature counts as drifting (warning).</summary>
    [Range(0.0, 10.0)]
    public double DriftWarningPsi { get; set; } = 0.1;

    /// <summary>PSI from which a feature counts as significantly drifted (alert).</summary>
    [Range(0.0, 10.0)]
    public double DriftAlertPsi { get; set; } = 0.25;

    /// <summary>Canary or shadow release of the challenger alias (<c>Valuation:Release:Mode</c>, <c>Share</c>).</summary>
    public Release.ReleaseOptions Release { get; set; } = new();

    protected override string Section => SectionName;

    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (DriftAlertPsi <= DriftWarningPsi)
        {
            yield return new ValidationResult("Valuation:DriftAlertPsi must be greater than DriftWarningPsi.", [nameof(DriftAlertPsi)]);
        }

        if (double.IsNaN(Release.Share) || Release.Share is < 0 or > 1)
        {
            yield return new ValidationResult("Valuation:Release:Share must be between 0 and 1.", [nameof(Release)]);
        }

        if (DriftMinSamples > DriftWindowSize)
        {
            yield return new ValidationResult("Valuation:DriftMinSamples cannot exceed DriftWindowSize.", [nameof(DriftMinSamples)]);
        }
    }
}
