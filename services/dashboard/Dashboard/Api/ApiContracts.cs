using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Platform.Dashboard.Api;

// The dashboard's view of the public API's JSON: only the fields its pages show. Valuation and twin routes speak snake_case,
// the workflow routes camelCase (see docs/api.md); unknown fields are ignored, so the services may add fields freely.

public sealed record FeatureInfo(string Name, string Kind, bool Required, double? Min, double? Max, IReadOnlyList<string>? Categories)
{
    public bool IsNumeric => Kind == "numeric";
}

public sealed record ModelLineageInfo(
    string? DataHash, IReadOnlyDictionary<string, string>? Parameters, string? CodeVersion, string? TrainingManifestArtifactId, string? WorkflowInstanceId);

public sealed record ModelInfo(
    string Model, int Version, DateTimeOffset CreatedAt, DateTimeOffset LoadedAt, IReadOnlyDictionary<string, double>? Metrics,
    ModelLineageInfo? Lineage, IReadOnlyList<FeatureInfo> Features, string? LastError);

public sealed record ContributionInfo(string Feature, double Amount);

public sealed record ComparableInfo(
    string? PropertyId, int Line, double Price, double Distance, double? DistanceKm, string? Segment, double? Latitude = null, double? Longitude = null);

public sealed record RowProblemInfo(string? Title, string? Detail, string? Field, string? Reason);

public sealed record EstimateRow(int Index, string? PropertyId, string Status)
{
    public double? Estimate { get; init; }
    public double? Low { get; init; }
    public double? High { get; init; }
    public int? ModelVersion { get; init; }
    public IReadOnlyList<ContributionInfo>? Contributions { get; init; }
    public IReadOnlyList<ComparableInfo>? Comparables { get; init; }
    public RowProblemInfo? Problem { get; init; }
    public bool IsOk => Status == "ok";
}

public sealed record EstimateBatch(string? Model, int ModelVersion, int Count, int Accepted, int Rejected, IReadOnlyList<EstimateRow> Results);

public sealed record ModelVersionInfo(
    string ModelName, int Version, string Sha256, long SizeBytes, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, double>? Metrics,
    ModelLineageInfo? Lineage, string? ReportArtifactId);

public sealed record ReportPlotInfo(string Name, string Title, string? Url);

public sealed record ReportPlotListInfo(string Model, int Version, IReadOnlyList<ReportPlotInfo> Plots);

public sealed record FeatureDriftInfo(string Feature, int Samples, double Psi, double? Ks, double? KsPValue, string Level);

public sealed record DriftReportInfo(
    string Model, int? ModelVersion, DateTimeOffset EvaluatedAt, int WindowRows, int MinSamples, double WarningPsi, double AlertPsi, string Level,
    IReadOnlyList<FeatureDriftInfo> Features);

public sealed record UserInfo(string UserId, string Name, string Segment);

public sealed record UserList(string TenantId, long Total, IReadOnlyList<UserInfo> Users);

public sealed record ScoredPropertyInfo(
    string PropertyId, double Score, double AffinityScore, string PropertyType, double Price, int Bedrooms, double Latitude, double Longitude, string Status);

public sealed record RecommendationList(string UserId, string UserSource, int ModelVersion, int Excluded, IReadOnlyList<ScoredPropertyInfo> Results);

public sealed record SimilarList(string? PropertyId, int ModelVersion, IReadOnlyList<ScoredPropertyInfo> Results);

public sealed record MatchContribution(string Feature, double Value, double Contribution);

public sealed record MatchExplanation(string UserId, string PropertyId, double AffinityScore, string UserSource, int ModelVersion, IReadOnlyList<MatchContribution> Contributions);

public sealed record MatchFilters
{
    public IReadOnlyList<string>? PropertyTypes { get; init; }
    public double? MinPrice { get; init; }
    public double? MaxPrice { get; init; }
    public int? MinBedrooms { get; init; }
    public int? MaxBedrooms { get; init; }
    public GeoRadius? Near { get; init; }
}

public sealed record GeoRadius(double Latitude, double Longitude, double RadiusKm);

public sealed record WorkflowStepInfo(
    int TaskId, string Kind, string? Name, string Status, DateTimeOffset ScheduledAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, double? DurationMs);

public sealed record WorkflowFailureInfo(string? ErrorType, string? ErrorMessage);

public sealed record WorkflowInfo(
    string InstanceId, string Name, string RuntimeStatus, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, JsonElement? Input, JsonElement? Output,
    JsonElement? CustomStatus, WorkflowFailureInfo? Failure, IReadOnlyList<WorkflowStepInfo>? Steps)
{
    /// <summary>The tenant named in the input (every training workflow takes one); null when the input names none.</summary>
    public string? TenantId => Input is { ValueKind: JsonValueKind.Object } input && input.TryGetProperty("tenantId", out var t) && t.ValueKind == JsonValueKind.String
        ? t.GetString()
        : null;

    public string? Step => Custom("step");

    public string? Detail => Custom("detail");

    public double? Percent => CustomStatus is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("percent", out var p) && p.ValueKind == JsonValueKind.Number
        ? p.GetDouble()
        : null;

    public bool IsRunning => RuntimeStatus is "Pending" or "Running" or "Suspended";

    /// <summary>A pipeline waits for a person when its current step is the approval step.</summary>
    public bool AwaitsApproval => IsRunning && Step == "approval";

    private string? Custom(string name) =>
        CustomStatus is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

public sealed record WorkflowPage(IReadOnlyList<WorkflowInfo> Items, int Page, int PageSize, int TotalCount);

public sealed record WorkflowStarted(string InstanceId, bool Created);

internal static class ApiJson
{
    public static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonObject Object(params (string Name, JsonNode? Value)[] members)
    {
        var result = new JsonObject();
        foreach (var (name, value) in members)
        {
            result[name] = value;
        }

        return result;
    }
}
