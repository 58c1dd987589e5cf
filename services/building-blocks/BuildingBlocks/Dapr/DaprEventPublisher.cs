using System.Text.Json;
using global::Dapr.Client;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// <see cref="IEventPublisher"/> on Dapr pub/sub. The sidecar wraps the data in the CloudEvent envelope; the
/// <c>cloudevent.*</c> metadata overrides make its id, source and type the same ones the embedded bus would use, so an
/// event id given by the caller stays stable across retries and handlers can deduplicate on it.
/// </summary>
public sealed class DaprEventPublisher(DaprClient dapr, IOptions<DaprOptions> options) : IEventPublisher
{
    private readonly DaprOptions _options = options.Value;

    public async Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var id = eventId ?? Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string>
        {
            ["cloudevent.id"] = id,
            ["cloudevent.source"] = _options.EventSource,
            ["cloudevent.type"] = EventTypes.For(topic),
        };
        var payload = JsonSerializer.SerializeToUtf8Bytes(data, JsonSerializerOptions.Web);
        await dapr.PublishByteEventAsync(_options.PubSubName, topic, payload, "application/json", metadata, cancellationToken)
            .ConfigureAwait(false);
        return id;
    }
}

/// <summary>The CloudEvent <c>type</c> of an event on a topic, shared by every publisher of the platform.</summary>
public static class EventTypes
{
    public static string For(string topic) => $"com.platform.{topic}";
}
