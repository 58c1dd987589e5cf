namespace Platform.BuildingBlocks.Messaging;

/// <summary>Publishes events to a topic. At-least-once: handlers must be idempotent (dedupe by <see cref="CloudEvent.Id"/>).</summary>
public interface IEventPublisher
{
    /// <summary>Publishes <paramref name="data"/> as a CloudEvent; returns the event id.</summary>
    Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default);
}

/// <summary>What a subscription handler tells the bus: done, retry later, or give up (dead-letter).</summary>
public enum DeliveryResult
{
    Success,
    Retry,
    Drop,
}

/// <summary>A topic subscription; the embedded bus calls it directly, the Dapr adapter maps it to a topic route.</summary>
public interface IEventHandler
{
    string Topic { get; }

    Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken);
}

/// <summary>Well-known topics of the platform.</summary>
public static class Topics
{
    public const string EstimateRequests = "estimate-requests";
    public const string Estimates = "estimates";
    public const string ModelDeployed = "model-deployed";
    public const string DriftAlerts = "drift-alerts";
    public const string TrainingRequested = "training-requested";
    public const string Interactions = "interactions";
    public const string Properties = "properties";

    public static string DeadLetter(string topic) => topic + "-deadletter";
}
