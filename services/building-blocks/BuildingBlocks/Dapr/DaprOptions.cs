using System.ComponentModel.DataAnnotations;

namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// Names of the Dapr components the adapters use. They must match <c>metadata.name</c> in <c>components/*.yaml</c>
/// (a test in Dapr.Tests checks that they do). Bound from the configuration section <see cref="SectionName"/>.
/// </summary>
public sealed class DaprOptions
{
    public const string SectionName = "Dapr";

    /// <summary>The <c>state.postgresql</c> v2 store holding registry pointers, workflow history and caches.</summary>
    [Required, RegularExpression(ComponentNamePattern)]
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>The pub/sub component (<c>pubsub.redis</c> by default, <c>pubsub.in-memory</c> without infrastructure).</summary>
    [Required, RegularExpression(ComponentNamePattern)]
    public string PubSubName { get; set; } = "pubsub";

    /// <summary>The <c>bindings.localstorage</c> output binding storing artifacts.</summary>
    [Required, RegularExpression(ComponentNamePattern)]
    public string ArtifactBindingName { get; set; } = "artifacts";

    /// <summary>The <c>bindings.cron</c> input binding that triggers scheduled retraining.</summary>
    [Required, RegularExpression(ComponentNamePattern)]
    public string RetrainScheduleBindingName { get; set; } = "retrain-schedule";

    /// <summary>The CloudEvent <c>source</c> of events this app publishes (its app id is a good choice).</summary>
    [Required]
    public string EventSource { get; set; } = "platform";

    /// <summary>
    /// Token the app sends to its sidecar (header <c>dapr-api-token</c>). Defaults to the <c>DAPR_API_TOKEN</c> environment
    /// variable, which is what <c>dapr run</c> and the Kubernetes injector set.
    /// </summary>
    public string? DaprApiToken { get; set; }

    /// <summary>
    /// Token the sidecar must present on calls into the app's Dapr routes. Defaults to <c>Platform:Auth:DaprAppToken</c>, else
    /// the <c>APP_API_TOKEN</c> environment variable (the token the platform authentication also accepts from the sidecar, see
    /// <c>Auth/DaprAppTokenAuthenticationHandler</c>); when none is set the routes are open (local development).
    /// </summary>
    public string? AppApiToken { get; set; }

    /// <summary>Sidecar gRPC endpoint; null lets the SDK use <c>DAPR_GRPC_ENDPOINT</c>/<c>DAPR_GRPC_PORT</c>.</summary>
    public string? GrpcEndpoint { get; set; }

    /// <summary>Sidecar HTTP endpoint (service invocation); null lets the SDK use <c>DAPR_HTTP_ENDPOINT</c>/<c>DAPR_HTTP_PORT</c>.</summary>
    public string? HttpEndpoint { get; set; }

    /// <summary>Path prefixes only the sidecar calls; <see cref="AppApiToken"/> is enforced on these and nowhere else.</summary>
    public IList<string> SidecarOnlyPaths { get; set; } = ["/dapr", DaprSubscriptionEndpoints.RoutePrefix, DaprInputBindingEndpoints.RoutePrefix];

    // Dapr component names: lowercase letters, digits and '-', as Kubernetes resource names.
    private const string ComponentNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
}
