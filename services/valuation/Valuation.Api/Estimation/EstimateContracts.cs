using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Platform.Valuation.Api.Estimation;

/// <summary>The wire format of the estimate API and events: snake_case like the request's <c>property_id</c>.</summary>
public static class ValuationJson
{
    /// <summary>Source-generated for the estimate path (the hot one), reflection for the rest.</summary>
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

/// <summary>Why a row got no estimate; the machine-readable half of its problem details.</summary>
public enum RejectionReason
{
    MissingFeature,
    InvalidType,
    NotFinite,
    OutOfRange,
    UnknownCategory,
}

public static class RejectionReasons
{
    public static string Code(this RejectionReason reason) => reason switch
    {
        RejectionReason.MissingFeature => "missing_feature",
        RejectionReason.InvalidType => "invalid_type",
        RejectionReason.NotFinite => "not_finite",
        RejectionReason.OutOfRange => "out_of_range",
        RejectionReason.UnknownCategory => "unknown_category",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    public static string Title(this RejectionReason reason) => reason switch
    {
        RejectionReason.MissingFeature => "A required feature is missing.",
        RejectionReason.InvalidType => "A feature has the wrong type.",
        RejectionReason.NotFinite => "A feature is not a finite number.",
        RejectionReason.OutOfRange => "A feature lies outside the model's training range.",
        RejectionReason.UnknownCategory => "A feature has a category the model was not trained on.",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

public sealed record FieldError(string Field, RejectionReason Reason, string Detail)
{
    [JsonPropertyName("reason")]
    public string ReasonCode => Reason.Code();

    [JsonIgnore]
    public RejectionReason Reason { get; init; } = Reason;
}

/// <summary>RFC 9457 problem details of one rejected row; <see cref="Field"/> names the first offending feature.</summary>
public sealed record RowProblem(string Type, string Title, int Status, string Detail, string Field, string Reason, IReadOnlyList<FieldError> Errors)
{
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

public sealed record ComparableResult(string? PropertyId, int Line, double Price, double Distance, double? DistanceKm, string? Segment)
{
    /// <summary>The sale's coordinates when known, so a client can map subject and comparables.</summary>
    public double? Latitude { get; init; }

    public double? Longitude { get; init; }
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

    public IReadOnlyList<ComparableResult>? Comparables { get; init; }

    public RowProblem? Problem { get; init; }
}

public sealed record EstimateResponse(string Model, int ModelVersion, int Count, int Accepted, int Rejected, IReadOnlyList<EstimateResult> Results)
{
    /// <summary>The registry alias that answered: <c>champion</c>, or <c>challenger</c> for a canary share.</summary>
    public string Alias { get; init; } = "champion";
}
