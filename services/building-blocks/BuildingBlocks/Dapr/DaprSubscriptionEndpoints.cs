using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;
using TopicOptions = global::Dapr.TopicOptions;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// Maps every registered <see cref="IEventHandler"/> to a Dapr topic route, so the handler code the embedded bus calls is
/// the code Dapr pub/sub calls. Each topic gets a dead-letter topic (<see cref="Topics.DeadLetter"/>), like the embedded bus.
/// </summary>
public static class DaprSubscriptionEndpoints
{
    public const string RoutePrefix = "/events";

    /// <summary>Dapr's default <c>--max-body-size</c> (4 MiB): the sidecar delivers no larger event, so none is accepted.</summary>
    public const long SidecarMaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Adds <c>GET /dapr/subscribe</c> and one <c>POST /events/{topic}</c> route per handled topic. The route receives the
    /// raw CloudEvent (the envelope, not only its data) and answers Dapr's <c>{"status": "SUCCESS" | "RETRY" | "DROP"}</c>.
    /// Do not add <c>UseCloudEvents()</c> in front of these routes: it replaces the body with the event's data, and handlers
    /// need the envelope (id for deduplication, type, time).
    /// </summary>
    public static IEndpointRouteBuilder MapDaprSubscriptions(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DaprOptions>>().Value;
        // A scope, because handlers may be scoped services; only their topics are needed here.
        using var scope = endpoints.ServiceProvider.CreateScope();
        var topics = scope.ServiceProvider.GetServices<IEventHandler>().Select(h => h.Topic).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        foreach (var topic in topics)
        {
            var deadLetterTopic = topic.EndsWith(Topics.DeadLetter(string.Empty), StringComparison.Ordinal) ? null : Topics.DeadLetter(topic);
            endpoints.MapPost($"{RoutePrefix}/{topic}", (HttpContext context, CancellationToken cancellationToken) =>
                    DeliverAsync(context, topic, cancellationToken))
                .WithTopic(new TopicOptions { PubsubName = options.PubSubName, Name = topic, DeadLetterTopic = deadLetterTopic })
                .WithName($"dapr-subscription-{topic}")
                .WithRequestBodyLimit(SidecarMaxBodyBytes)
                .ExcludeFromDescription();
        }

        endpoints.MapSubscribeHandler();
        return endpoints;
    }

    private static async Task<IResult> DeliverAsync(HttpContext context, string topic, CancellationToken cancellationToken)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DaprSubscriptionEndpoints));
        CloudEvent? cloudEvent;
        try
        {
            cloudEvent = await JsonSerializer.DeserializeAsync<CloudEvent>(context.Request.Body, JsonSerializerOptions.Web, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            // A malformed envelope will not get better on redelivery.
            logger.LogError(exception, "Dropping a malformed CloudEvent on topic {Topic}", topic);
            return Status("DROP");
        }

        if (cloudEvent is null)
        {
            return Status("DROP");
        }

        // Dead-lettered events keep the topic they failed on; handlers of the dead-letter topic see that topic name.
        cloudEvent = cloudEvent with { Topic = topic };
        var result = DeliveryResult.Success;
        foreach (var handler in context.RequestServices.GetServices<IEventHandler>().Where(h => h.Topic == topic))
        {
            var handlerResult = await HandleAsync(handler, cloudEvent, logger, cancellationToken).ConfigureAwait(false);
            result = Worst(result, handlerResult);
        }

        return Status(result switch
        {
            DeliveryResult.Success => "SUCCESS",
            DeliveryResult.Retry => "RETRY",
            _ => "DROP",
        });
    }

    private static async Task<DeliveryResult> HandleAsync(IEventHandler handler, CloudEvent cloudEvent, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.HandleAsync(cloudEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Same rule as the embedded bus: an exception is a transient failure.
            logger.LogWarning(exception, "Handler {Handler} failed on event {EventId} of topic {Topic}", handler.GetType().Name, cloudEvent.Id, cloudEvent.Topic);
            return DeliveryResult.Retry;
        }
    }

    // Several handlers on one topic share one Dapr delivery: a retry redelivers to all of them (they are idempotent).
    private static DeliveryResult Worst(DeliveryResult a, DeliveryResult b) =>
        a == DeliveryResult.Retry || b == DeliveryResult.Retry ? DeliveryResult.Retry
        : a == DeliveryResult.Drop || b == DeliveryResult.Drop ? DeliveryResult.Drop
        : DeliveryResult.Success;

    private static IResult Status(string status) => Results.Json(new { status });
}
