using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// The platform wire (snake_case like the request's <c>property_id</c>) for the estimates the service streams as events; HTTP
/// answers get the same shape from the host's one HTTP JSON configuration (<c>WireJson</c>).
/// </summary>
public static class ValuationJson
{
    /// <summary>Source-generated for the estimate types (the hot path), reflection for the rest.</summary>
    public static readonly JsonSerializerOptions Options = new(ValuationJsonContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ValuationJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(EstimateResponse))]
[JsonSerializable(typeof(IReadOnlyList<EstimateResult>))]
[JsonSerializable(typeof(StreamedEstimates))]
internal sealed partial class ValuationJsonContext : JsonSerializerContext;

/// <summary>Request body of <c>POST /estimate</c>: each property is an object of <c>property_id</c> and the model's features.</summary>
public sealed record EstimateRequest(IReadOnlyList<Dictionary<string, JsonElement>> Properties);

/// <summary>The wire names of the model's <see cref="InputReason"/>s: the machine-readable half of a row's problem details.</summary>
public static class RejectionReasons
{
    public static string Code(this InputReason reason) => reason switch
    {
        InputReason.MissingFeature => "missing_feature",
        InputReason.InvalidType => "invalid_type",
        InputReason.NotFinite => "not_finite",
        InputReason.OutOfRange => "out_of_range",
        InputReason.UnknownCategory => "unknown_category",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    public static string Title(this InputReason reason) => reason switch
    {
        InputReason.MissingFeature => "A required feature is missing.",
        InputReason.InvalidType => "A feature has the wrong type.",
        InputReason.NotFinite => "A feature is not a finite number.",
        InputReason.OutOfRange => "A feature lies outside the model's training range.",
        InputReason.UnknownCategory => "A feature has a category the model was not trained on.",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>One error of a rejected row as the wire shows it: the reason as its code.</summary>
public sealed record FieldError(string Field, InputReason Reason, string Detail)
{
    public static FieldError From(InputIssue issue) => new(issue.Field, issue.Reason, issue.Detail);

    [JsonPropertyName("reason")]
    public string ReasonCode => Reason.Code();

    [JsonIgnore]
    public InputReason Reason { get; init; } = Reason;
}

/// <summary>RFC 9457 problem details of one rejected row; <see cref="Field"/> names the first offending feature.</summary>
public sealed record RowProblem(string Type, string Title, int Status, string Detail, string Field, string Reason, IReadOnlyList<FieldError> Errors)
{
    public static RowProblem From(IReadOnlyList<InputIssue> issues) => From([.. issues.Select(FieldError.From)]);

    public static RowProblem From(IReadOnlyList<FieldError> errors)
    {
        var first = errors[0];
        var detail = errors.Count == 1 ? first.Detail : $"{first.Detail} (and {errors.Count - 1} more)";
        return new RowProblem(
            $"https://platform.local/problems/valuation/{first.Reason.Code().Replace('_', '-')}",
            first.Reason.Title(),
            StatusCodes.Status422UnprocessableEntity,
            detail,
            first.Field,
            first.Reason.Code(),
            errors);
    }
}

public sealed record EstimateResult(int Index, string? PropertyId, string Status)
{
    public const string Ok = "ok";
    public const string Rejected = "rejected";

    public double? Estimate { get; init; }

    public double? Low { get; init; }

    public double? High { get; init; }

    public int? ModelVersion { get; init; }

    public IReadOnlyList<FeatureContribution>? Contributions { get; init; }

    public IReadOnlyList<ComparableSale>? Comparables { get; init; }

    public RowProblem? Problem { get; init; }
}

public sealed record EstimateResponse(string Model, int ModelVersion, int Count, int Accepted, int Rejected, IReadOnlyList<EstimateResult> Results)
{
    /// <summary>The registry alias that answered: <c>champion</c>, or <c>challenger</c> for a canary share.</summary>
    public string Alias { get; init; } = "champion";
}
