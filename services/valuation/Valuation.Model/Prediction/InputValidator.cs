using System.Collections.Frozen;
using System.Globalization;
using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Model.Prediction;

public enum IssueSeverity { Warning, Error }

/// <summary>Why a value is doubtful or unusable; the typed half of an <see cref="InputIssue"/>.</summary>
public enum InputReason
{
    MissingFeature,
    InvalidType,
    NotFinite,
    OutOfRange,
    UnknownCategory,
}

/// <summary>One problem of one input field: <see cref="Reason"/> for code, <see cref="Detail"/> for people.</summary>
public sealed record InputIssue(string Field, IssueSeverity Severity, InputReason Reason, string Detail)
{
    public static InputIssue Error(string field, InputReason reason, string detail) => new(field, IssueSeverity.Error, reason, detail);
}

/// <summary>How strict a check is: the API rejects out-of-range values, a batch scorer may only want to know about them.</summary>
/// <param name="RangeMargin">How far beyond the training range, as a fraction of its width, a value may lie.</param>
/// <param name="StrictRanges">Out-of-range values are errors (else warnings).</param>
/// <param name="StrictCategories">Categories not seen in training are errors (else warnings).</param>
public sealed record InputPolicy(double RangeMargin = 0.1, bool StrictRanges = false, bool StrictCategories = false);

/// <summary>Summary of one numeric feature in training, used for input checks and drift.</summary>
public sealed record FeatureRange(string Feature, double Min, double Max, double[] Deciles, double MissingShare);

/// <summary>
/// The one check of a row before pricing, against what the model saw in training: required features present, numbers
/// finite and within the training range (plus a margin), categories known, a location on the globe. It reads a
/// <see cref="SaleRecord"/> whole (<see cref="Validate"/>) or value by value as a request is read (<see cref="CheckMissing"/>,
/// <see cref="CheckNumber"/>, <see cref="CheckCategory"/>, <see cref="CheckLocation"/>), with the same rules and messages.
/// </summary>
public sealed class InputValidator(IReadOnlyList<FeatureSpec> features)
{
    // Built once per model: a request row looks each category up here.
    private readonly FrozenDictionary<string, FrozenSet<string>> _categories = features
        .Where(f => f.Kind == FeatureKind.Categorical && f.Categories is not null)
        .GroupBy(f => f.Name, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.First().Categories!.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    public IReadOnlyList<FeatureSpec> Features { get; } = features;

    public IReadOnlyList<InputIssue> Validate(SaleRecord row, InputPolicy policy)
    {
        var issues = new List<InputIssue>();
        foreach (var feature in Features)
        {
            var issue = feature.IsAbsentIn(row) ? CheckMissing(feature)
                : feature.Kind switch
                {
                    FeatureKind.Numeric => CheckNumber(feature, feature.NumberIn(row), policy),
                    FeatureKind.Categorical => CheckCategory(feature, feature.CategoryIn(row)!, policy),
                    _ => null,
                };
            if (issue is not null)
            {
                issues.Add(issue);
            }
        }

        if (!issues.Any(i => i.Severity == IssueSeverity.Error) && CheckLocation(row) is { } location)
        {
            issues.Add(location);
        }

        return issues;
    }

    public static InputIssue? CheckMissing(FeatureSpec feature) => feature.Required
        ? InputIssue.Error(feature.Name, InputReason.MissingFeature, $"'{feature.Name}' is required.")
        : feature.Slot is FeatureSlot.Numeric or FeatureSlot.Categorical
            ? new InputIssue(feature.Name, IssueSeverity.Warning, InputReason.MissingFeature,
                $"'{feature.Name}' is missing; the model falls back to what training learned for missing values.")
            : null;

    public static InputIssue? CheckNumber(FeatureSpec feature, double number, InputPolicy policy)
    {
        if (!double.IsFinite(number))
        {
            return InputIssue.Error(feature.Name, InputReason.NotFinite,
                string.Create(CultureInfo.InvariantCulture, $"'{feature.Name}' is {number}, which is not a finite number."));
        }

        if (feature.Min is { } min && feature.Max is { } max)
        {
            var (low, high) = AcceptedRange(min, max, policy.RangeMargin);
            if (number < low || number > high)
            {
                return new InputIssue(feature.Name, policy.StrictRanges ? IssueSeverity.Error : IssueSeverity.Warning, InputReason.OutOfRange,
                    string.Create(CultureInfo.InvariantCulture,
                        $"'{feature.Name}' is {number}, outside [{low}, {high}]: the training range [{min}, {max}] widened by {policy.RangeMargin:P0} of its width{(min > 0 ? ", and at least half its minimum" : string.Empty)}."));
            }
        }

        return null;
    }

    /// <summary>
    /// The values a feature trained on [<paramref name="min"/>, <paramref name="max"/>] accepts: that range widened by
    /// <paramref name="margin"/> of its width, except that the widening never crosses zero for a feature that was never
    /// negative, and stops at half the minimum for one that was always positive. An area, a size or a count seen only as
    /// positive stays positive: a 5e-324 m² flat is not a small flat, and the additive margin would let it through whenever the
    /// range is wide (sqft 484–4,878 in the Sacramento sales: the plain margin reaches 45 sqft; this rule, 242).
    /// </summary>
    public static (double Low, double High) AcceptedRange(double min, double max, double margin)
    {
        var widen = (max - min) * margin;
        var low = min - widen;
        if (min > 0)
        {
            low = Math.Max(low, min / 2);
        }
        else if (min >= 0)
        {
            low = Math.Max(low, 0);
        }

        return (low, max + widen);
    }

    public InputIssue? CheckCategory(FeatureSpec feature, string category, InputPolicy policy) =>
        _categories.TryGetValue(feature.Name, out var known) && !known.Contains(category)
            ? new InputIssue(feature.Name, policy.StrictCategories ? IssueSeverity.Error : IssueSeverity.Warning, InputReason.UnknownCategory,
                $"'{feature.Name}' is \"{category}\", a category the model was not trained on ({known.Count} known).")
            : null;

    /// <summary>Coordinates off the globe, caught even where the model has no training range for them.</summary>
    public InputIssue? CheckLocation(SaleRecord row)
    {
        var latitude = Features.FirstOrDefault(f => f.Slot == FeatureSlot.Latitude);
        if (latitude is null || double.IsNaN(row.Latitude) || double.IsNaN(row.Longitude))
        {
            return null;
        }

        return !double.IsFinite(row.Latitude) || Math.Abs(row.Latitude) > 90 || !double.IsFinite(row.Longitude) || Math.Abs(row.Longitude) > 180
            ? InputIssue.Error(latitude.Name, InputReason.OutOfRange, $"'{latitude.Name}': latitude/longitude out of range.")
            : null;
    }
}
