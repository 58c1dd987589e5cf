using System.Globalization;
using System.Text.Json;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// Turns one JSON request row into a <see cref="FeatureRow"/> or the list of reasons it cannot be estimated. Strict on
/// purpose: a missing feature, a non-finite number, a value beyond the training range (plus a margin) or an unseen
/// category would give an estimate nobody should trust, so such a row gets a problem instead.
/// </summary>
public static class EstimateRowValidator
{
    public const string PropertyIdField = "property_id";

    public static bool TryRead(
        JsonElement row,
        int index,
        ValuationModel model,
        double rangeMargin,
        bool strictCategories,
        out FeatureRow featureRow,
        out string? propertyId,
        out List<FieldError>? errors)
    {
        errors = null;
        propertyId = null;
        featureRow = null!;
        if (row.ValueKind != JsonValueKind.Object)
        {
            errors = [new FieldError($"properties[{index}]", RejectionReason.InvalidType, $"properties[{index}] must be a JSON object, not {Describe(row.ValueKind)}.")];
            return false;
        }

        if (row.TryGetProperty(PropertyIdField, out var id))
        {
            propertyId = id.ValueKind switch
            {
                JsonValueKind.String => id.GetString(),
                JsonValueKind.Number => id.GetRawText(),
                _ => null,
            };
            if (propertyId is null && id.ValueKind != JsonValueKind.Null)
            {
                (errors ??= []).Add(new FieldError(PropertyIdField, RejectionReason.InvalidType, $"{PropertyIdField} must be a string or a number."));
            }
        }

        var result = new FeatureRow(propertyId);
        foreach (var feature in model.Features)
        {
            if (!row.TryGetProperty(feature.Name, out var value) || value.ValueKind == JsonValueKind.Null
                || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0))
            {
                if (feature.Required)
                {
                    (errors ??= []).Add(new FieldError(feature.Name, RejectionReason.MissingFeature, $"'{feature.Name}' is required."));
                }

                continue;
            }

            var error = feature.Kind switch
            {
                FeatureKind.Numeric => ReadNumeric(feature, value, rangeMargin, result),
                FeatureKind.Date => ReadDate(feature, value, result),
                _ => ReadCategorical(feature, value, model, strictCategories, result),
            };
            if (error is not null)
            {
                (errors ??= []).Add(error);
            }
        }

        featureRow = result;
        return errors is null;
    }

    private static FieldError? ReadNumeric(FeatureSpec feature, JsonElement value, double rangeMargin, FeatureRow row)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out number) || !double.IsFinite(number))
                {
                    return new FieldError(feature.Name, RejectionReason.NotFinite, $"'{feature.Name}' is {value.GetRawText()}, which is not a finite number.");
                }

                break;
            case JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) && !double.IsFinite(number):
                // JSON has no NaN or Infinity literals; clients that serialise them send strings.
                return new FieldError(feature.Name, RejectionReason.NotFinite, $"'{feature.Name}' is \"{value.GetString()}\", which is not a finite number.");
            default:
                return new FieldError(feature.Name, RejectionReason.InvalidType, $"'{feature.Name}' must be a number, not {Describe(value.ValueKind)}.");
        }

        if (feature.Min is { } min && feature.Max is { } max)
        {
            var margin = (max - min) * rangeMargin;
            if (number < min - margin || number > max + margin)
            {
                return new FieldError(feature.Name, RejectionReason.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                    $"'{feature.Name}' is {number}, outside the training range [{min}, {max}] widened by {rangeMargin:P0} of its width."));
            }
        }

        row.Numeric[feature.Name] = number;
        return null;
    }

    private static FieldError? ReadCategorical(FeatureSpec feature, JsonElement value, ValuationModel model, bool strict, FeatureRow row)
    {
        var category = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        if (category is null)
        {
            return new FieldError(feature.Name, RejectionReason.InvalidType, $"'{feature.Name}' must be a string, not {Describe(value.ValueKind)}.");
        }

        if (strict && model.Categories.TryGetValue(feature.Name, out var known) && !known.Contains(category))
        {
            return new FieldError(feature.Name, RejectionReason.UnknownCategory,
                $"'{feature.Name}' is \"{category}\", a category the model was not trained on ({known.Count} known).");
        }

        row.Categorical[feature.Name] = category;
        return null;
    }

    private static FieldError? ReadDate(FeatureSpec feature, JsonElement value, FeatureRow row)
    {
        if (value.ValueKind != JsonValueKind.String
            || !DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return new FieldError(feature.Name, RejectionReason.InvalidType, $"'{feature.Name}' must be an ISO 8601 date string.");
        }

        row.Categorical[feature.Name] = date.ToString("O", CultureInfo.InvariantCulture);
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
