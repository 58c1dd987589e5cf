using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Model.Prediction;

public enum IssueSeverity { Warning, Error }

public sealed record InputIssue(string Field, IssueSeverity Severity, string Reason);

/// <summary>Per-numeric-feature training range and distribution summary, used for input checks and drift.</summary>
public sealed record FeatureRange(string Feature, double Min, double Max, double[] Deciles, double MissingShare);

/// <summary>
/// Checks a row before pricing: NaN/Infinity and missing values of features that were never missing in training
/// are errors, values outside the training range by more than a margin of its width are warnings,
/// unknown categories are errors in strict mode and warnings otherwise.
/// </summary>
public sealed class InputValidator(DatasetSchema schema, IReadOnlyList<FeatureRange> ranges, IReadOnlyList<string[]> levels)
{
    public double RangeMargin { get; init; } = 0.1;

    public IReadOnlyList<InputIssue> Validate(SaleRecord row, bool strict = false)
    {
        var issues = new List<InputIssue>();
        if (row.Numeric.Length != schema.Numeric.Count || row.Categorical.Length != schema.Categorical.Count)
        {
            issues.Add(new InputIssue("*", IssueSeverity.Error,
                $"expected {schema.Numeric.Count} numeric and {schema.Categorical.Count} categorical values"));
            return issues;
        }
        for (int j = 0; j < schema.Numeric.Count; j++)
        {
            var name = schema.Numeric[j];
            double v = row.Numeric[j];
            var range = ranges[j];
            if (double.IsInfinity(v))
                issues.Add(new InputIssue(name, IssueSeverity.Error, "value is infinite"));
            else if (double.IsNaN(v))
                issues.Add(new InputIssue(name, range.MissingShare > 0 ? IssueSeverity.Warning : IssueSeverity.Error,
                    range.MissingShare > 0 ? "missing; the training median is used" : "required feature is missing (never missing in training)"));
            else
            {
                double margin = RangeMargin * Math.Max(range.Max - range.Min, Math.Abs(range.Max) * 1e-6);
                if (v < range.Min - margin || v > range.Max + margin)
                    issues.Add(new InputIssue(name, IssueSeverity.Warning,
                        $"{v} is outside the training range [{range.Min}, {range.Max}] by more than {RangeMargin:P0}"));
            }
        }
        for (int j = 0; j < schema.Categorical.Count; j++)
        {
            var value = row.Categorical[j];
            if (value is null)
                issues.Add(new InputIssue(schema.Categorical[j], IssueSeverity.Warning, "missing category"));
            else if (Array.IndexOf(levels[j], value) < 0)
                issues.Add(new InputIssue(schema.Categorical[j], strict ? IssueSeverity.Error : IssueSeverity.Warning,
                    $"unknown category '{value}' (not seen in training)"));
        }
        if (schema.HasGeo)
        {
            if (double.IsNaN(row.Latitude) || double.IsNaN(row.Longitude))
                issues.Add(new InputIssue(schema.Latitude!, IssueSeverity.Warning, "no location; neighbourhood price level falls back to the global level"));
            else if (!double.IsFinite(row.Latitude) || Math.Abs(row.Latitude) > 90 || !double.IsFinite(row.Longitude) || Math.Abs(row.Longitude) > 180)
                issues.Add(new InputIssue(schema.Latitude!, IssueSeverity.Error, "latitude/longitude out of range"));
        }
        return issues;
    }
}
