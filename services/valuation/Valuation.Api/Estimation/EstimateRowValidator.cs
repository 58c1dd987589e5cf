using System.Globalization;
using System.Text.Json;
using Platform.MarketData.Domain;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// Turns one JSON request row into the model's <see cref="SaleRecord"/> or the reasons it cannot be estimated. This class
/// checks only what JSON can get wrong (an object per row, a number or string per value, numbers that fit a double, ISO
/// dates, within <see cref="DateInput.Sale"/>: the model has no range for dates); the rules about values (required, in range, known category, location) are the model's
/// <see cref="InputValidator"/>, applied value by value as the row is read so its problems come in feature order. Strict on
/// purpose: errors only, a row with any gets a problem instead of an estimate nobody should trust.
/// </summary>
public static class EstimateRowValidator
{
    public const string PropertyIdField = "property_id";

    public static bool TryRead(
        JsonElement row,
        int index,
        ValuationModel model,
        InputPolicy policy,
        out SaleRecord record,
        out string? propertyId,
        out List<InputIssue>? errors)
    {
        errors = null;
        propertyId = null;
        record = null!;
        if (row.ValueKind != JsonValueKind.Object)
        {
            errors = [InputIssue.Error($"properties[{index}]", InputReason.InvalidType, $"properties[{index}] must be a JSON object, not {Describe(row.ValueKind)}.")];
            return false;
        }

        if (row.TryGetProperty(PropertyIdField, out var id))
        {
            propertyId = id.ValueKind switch
            {
                JsonValueKind.String => ReadText(id, index, PropertyIdField),
                JsonValueKind.Number => id.GetRawText(),
                _ => null,
            };
            if (propertyId is null && id.ValueKind != JsonValueKind.Null)
            {
                (errors ??= []).Add(InputIssue.Error(PropertyIdField, InputReason.InvalidType, $"{PropertyIdField} must be a string or a number."));
            }
        }

        var builder = new SaleRecordBuilder(model.Features);
        foreach (var feature in model.Features)
        {
            var issue = !row.TryGetProperty(feature.Name, out var value) || value.ValueKind == JsonValueKind.Null
                || (value.ValueKind == JsonValueKind.String && ReadText(value, index, feature.Name).Length == 0)
                ? InputValidator.CheckMissing(feature)
                : feature.Kind switch
                {
                    FeatureKind.Numeric => ReadNumeric(feature, value, policy, builder),
                    FeatureKind.Date => ReadDate(feature, value, builder),
                    _ => ReadCategorical(feature, value, index, model.Validator, policy, builder),
                };
            if (issue is { Severity: IssueSeverity.Error })
            {
                (errors ??= []).Add(issue);
            }
        }

        record = builder.Build(propertyId);
        if (errors is null && model.Validator.CheckLocation(record) is { } location)
        {
            errors = [location];
        }

        return errors is null;
    }

    private static InputIssue? ReadNumeric(FeatureSpec feature, JsonElement value, InputPolicy policy, SaleRecordBuilder builder)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out number) || !double.IsFinite(number))
                {
                    return InputIssue.Error(feature.Name, InputReason.NotFinite, $"'{feature.Name}' is {value.GetRawText()}, which is not a finite number.");
                }

                break;
            case JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) && !double.IsFinite(number):
                // JSON has no NaN or Infinity literals; clients that serialise them send strings.
                return InputIssue.Error(feature.Name, InputReason.NotFinite, $"'{feature.Name}' is \"{value.GetString()}\", which is not a finite number.");
            default:
                return InputIssue.Error(feature.Name, InputReason.InvalidType, $"'{feature.Name}' must be a number, not {Describe(value.ValueKind)}.");
        }

        if (InputValidator.CheckNumber(feature, number, policy) is { Severity: IssueSeverity.Error } issue)
        {
            return issue;
        }

        builder.Set(feature, number);
        return null;
    }

    private static InputIssue? ReadCategorical(FeatureSpec feature, JsonElement value, int index, InputValidator validator, InputPolicy policy, SaleRecordBuilder builder)
    {
        var category = value.ValueKind switch
        {
            JsonValueKind.String => ReadText(value, index, feature.Name),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        if (category is null)
        {
            return InputIssue.Error(feature.Name, InputReason.InvalidType, $"'{feature.Name}' must be a string, not {Describe(value.ValueKind)}.");
        }

        if (validator.CheckCategory(feature, category, policy) is { Severity: IssueSeverity.Error } issue)
        {
            return issue;
        }

        builder.Set(feature, category);
        return null;
    }

    private static InputIssue? ReadDate(FeatureSpec feature, JsonElement value, SaleRecordBuilder builder)
    {
        if (value.ValueKind != JsonValueKind.String
            || !DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return InputIssue.Error(feature.Name, InputReason.InvalidType, $"'{feature.Name}' must be an ISO 8601 date string.");
        }

        if (DateInput.Sale.Problem(date, DateTimeOffset.UtcNow) is { } problem)
        {
            return InputIssue.Error(feature.Name, InputReason.OutOfRange, $"'{feature.Name}': {problem}");
        }

        builder.Set(feature, date);
        return null;
    }

    /// <summary>
    /// A JSON string as .NET text. JSON lets a string escape a lone surrogate (<c>"\ud800"</c>), which no UTF-8 or UTF-16 text
    /// can hold; that is malformed input for the whole request, not a row to price, so it surfaces as
    /// <see cref="InvalidJsonTextException"/> naming the field.
    /// </summary>
    private static string ReadText(JsonElement value, int index, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidJsonTextException($"{EstimateBatchShape.PropertiesField}[{index}].{field}", exception);
        }
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

/// <summary>A string of the request is not valid Unicode (a lone surrogate); <see cref="Field"/> is its JSON path.</summary>
public sealed class InvalidJsonTextException(string field, Exception inner)
    : Exception($"'{field}' is not valid Unicode text (it escapes a lone surrogate).", inner)
{
    public string Field { get; } = field;
}
