using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.BuildingBlocks.Messaging;

/// <summary>
/// A CloudEvents 1.0 envelope (structured JSON mode), the same one Dapr pub/sub delivers, so handlers see one shape
/// whether the embedded bus or a Dapr sidecar delivered the event.
/// </summary>
public sealed record CloudEvent
{
    [JsonPropertyName("specversion")] public string SpecVersion { get; init; } = "1.0";
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("topic")] public string? Topic { get; init; }
    [JsonPropertyName("pubsubname")] public string? PubSubName { get; init; }
    [JsonPropertyName("time")] public DateTimeOffset? Time { get; init; }
    [JsonPropertyName("datacontenttype")] public string DataContentType { get; init; } = "application/json";
    [JsonPropertyName("traceparent")] public string? TraceParent { get; init; }
    [JsonPropertyName("data")] public JsonElement Data { get; init; }

    public T? DataAs<T>(JsonSerializerOptions? options = null) => Data.Deserialize<T>(options ?? JsonSerializerOptions.Web);
}
