using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.StateStore;
using Platform.BuildingBlocks.VectorSearch;

namespace Platform.BuildingBlocks.Chaos;

/// <summary>The body of <c>PUT /admin/chaos</c>: faults per port (ports not named are cleared).</summary>
public sealed record ChaosRequest(Dictionary<string, ChaosPortRequest>? Ports);

public sealed record ChaosPortRequest(
    [property: JsonPropertyName("error_rate")] double ErrorRate = 0,
    [property: JsonPropertyName("latency_rate")] double LatencyRate = 0,
    [property: JsonPropertyName("latency_ms")] int LatencyMs = 0,
    [property: JsonPropertyName("drop_rate")] double DropRate = 0);

public sealed record ChaosState(
    Dictionary<string, ChaosPortRequest> Ports,
    IReadOnlyDictionary<string, long> Injected);

public static class ChaosExtensions
{
    public const string EnabledKey = "Platform:Chaos:Enabled";
    public const string Route = "/admin/chaos";

    /// <summary>Chaos exists only when the host is started with <c>Platform:Chaos:Enabled=true</c>; never by default.</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        bool.TryParse(configuration[EnabledKey], out var enabled) && enabled;

    /// <summary>
    /// With chaos enabled, wraps the registered ports (state store, pub/sub, artifact store, vector index) in their chaos
    /// decorators and registers the <see cref="ChaosController"/>. Call after every port is registered. Without chaos, nothing.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformChaos(this IHostApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.DecorateForChaos<IStateStore>((inner, chaos) => new ChaosStateStore(inner, chaos));
        builder.Services.DecorateForChaos<IEventPublisher>((inner, chaos) => new ChaosEventPublisher(inner, chaos));
        builder.Services.DecorateForChaos<IArtifactStore>((inner, chaos) => new ChaosArtifactStore(inner, chaos));
        builder.Services.DecorateForChaos<IVectorIndex>((inner, chaos) => new ChaosVectorIndex(inner, chaos));
        return builder;
    }

    /// <summary>
    /// Replaces every registration of <typeparamref name="TService"/> by one that wraps what it used to build. Services
    /// outside the building blocks (e.g. a model loader) use this for their own port when chaos is enabled.
    /// </summary>
    public static IServiceCollection DecorateForChaos<TService>(this IServiceCollection services, Func<TService, ChaosController, TService> decorate)
        where TService : class
    {
        services.TryAddSingleton<ChaosController>();
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(TService) || descriptor.IsKeyedService)
            {
                continue;
            }

            services[i] = ServiceDescriptor.Describe(
                typeof(TService),
                sp => decorate((TService)Build(sp, descriptor), sp.GetRequiredService<ChaosController>()),
                descriptor.Lifetime);
        }

        return services;
    }

    /// <summary><c>GET/PUT/DELETE /admin/chaos</c> (API key) when chaos is enabled; otherwise the route does not exist.</summary>
    public static WebApplication MapChaosEndpoints(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }

        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ChaosExtensions))
            .LogWarning("Chaos is enabled: faults can be injected through {Route}", Route);
        var group = app.MapGroup(Route).RequireScope(PlatformScopes.Admin).WithTags("Chaos");
        group.MapGet("", (ChaosController chaos) => TypedResults.Json(State(chaos)))
            .WithName("GetChaos")
            .WithSummary("The faults in force per port and how many were injected.");
        group.MapPut("", (ChaosRequest? request, ChaosController chaos, ILoggerFactory logs) =>
            {
                var faults = new Dictionary<string, PortFault>(StringComparer.Ordinal);
                foreach (var (port, value) in request?.Ports ?? [])
                {
                    if (!ChaosPorts.All.Contains(port))
                    {
                        return Problem($"ports.{port}", $"Unknown port '{port}'; one of {string.Join(", ", ChaosPorts.All)}.");
                    }

                    var fault = new PortFault { ErrorRate = value.ErrorRate, LatencyRate = value.LatencyRate, LatencyMs = value.LatencyMs, DropRate = value.DropRate };
                    if (fault.Problem() is { } problem)
                    {
                        return Problem($"ports.{port}", problem);
                    }

                    faults[port] = fault;
                }

                chaos.Clear();
                foreach (var (port, fault) in faults)
                {
                    chaos.Set(port, fault);
                }

                logs.CreateLogger(typeof(ChaosExtensions)).LogWarning("Chaos faults set: {Faults}", string.Join("; ", faults.Select(f => $"{f.Key} {f.Value}")));
                return Results.Json(State(chaos));
            })
            .Audited(AuditActions.ChaosSet, "ports", call => call.Arguments.OfType<ChaosRequest>().FirstOrDefault()?.Ports is { } ports
                ? new Dictionary<string, object?> { ["ports"] = ports.Keys.Order(StringComparer.Ordinal).ToList() }
                : null)
            .WithName("SetChaos")
            .WithSummary("Sets the faults per port (error_rate, latency_rate, latency_ms, drop_rate); ports not named are cleared.");
        group.MapDelete("", (ChaosController chaos) =>
            {
                chaos.Clear();
                return TypedResults.Json(State(chaos));
            })
            .Audited(AuditActions.ChaosClear, "ports")
            .WithName("ClearChaos")
            .WithSummary("Clears every fault.");
        return app;
    }

    private static ChaosState State(ChaosController chaos) => new(
        chaos.Faults.ToDictionary(f => f.Key, f => new ChaosPortRequest(f.Value.ErrorRate, f.Value.LatencyRate, f.Value.LatencyMs, f.Value.DropRate)),
        chaos.Injected.ToDictionary(i => i.Key, i => i.Value));

    private static IResult Problem(string field, string detail) => Results.Problem(
        title: "Invalid chaos settings.", detail: detail, statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["field"] = field });

    private static object Build(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}
