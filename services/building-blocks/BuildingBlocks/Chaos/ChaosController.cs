using System.Collections.Concurrent;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;
using Polly.Simmy.Outcomes;

namespace Platform.BuildingBlocks.Chaos;

/// <summary>The ports faults can be injected into; the wire names are what the chaos route and lab scenarios use.</summary>
public static class ChaosPorts
{
    public const string StateStore = "state_store";
    public const string PubSub = "pubsub";
    public const string ArtifactStore = "artifact_store";
    public const string VectorIndex = "vector_index";
    public const string ModelLoading = "model_loading";

    public static readonly IReadOnlyList<string> All = [StateStore, PubSub, ArtifactStore, VectorIndex, ModelLoading];
}

/// <summary>
/// What goes wrong in one port: a share of calls delayed, a share failing with <see cref="ChaosInjectedException"/> and, for
/// pub/sub, a share of published messages silently dropped (the publisher is told it worked, nobody receives it).
/// </summary>
public sealed record PortFault
{
    public double ErrorRate { get; init; }

    public double LatencyRate { get; init; }

    public int LatencyMs { get; init; }

    public double DropRate { get; init; }

    /// <summary>The first problem with the values, naming the field, or null when they are usable.</summary>
    public string? Problem()
    {
        foreach (var (name, rate) in new[] { ("error_rate", ErrorRate), ("latency_rate", LatencyRate), ("drop_rate", DropRate) })
        {
            if (double.IsNaN(rate) || rate is < 0 or > 1)
            {
                return $"{name} must be between 0 and 1.";
            }
        }

        return LatencyMs is < 0 or > 60_000 ? "latency_ms must be between 0 and 60000." : null;
    }
}

/// <summary>Thrown by the chaos strategies in place of a real adapter failure.</summary>
public sealed class ChaosInjectedException(string port) : IOException($"Chaos: injected failure in the {port} port.")
{
    public string Port { get; } = port;
}

/// <summary>
/// The faults in force and one Polly pipeline per port built from Simmy's chaos strategies (latency, then fault). The
/// strategies read their rates from <see cref="Set"/>'s current values on every call, so faults switch at run time without
/// rebuilding anything; with no fault set every strategy is disabled and the call goes straight through.
/// </summary>
public sealed class ChaosController
{
    private readonly ConcurrentDictionary<string, PortFault> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _injected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResiliencePipeline> _pipelines;
    private readonly ResiliencePipeline<bool> _drops;

    public ChaosController()
    {
        _pipelines = ChaosPorts.All.ToDictionary(port => port, BuildPipeline, StringComparer.Ordinal);
        _drops = new ResiliencePipelineBuilder<bool>()
            .AddChaosOutcome(new ChaosOutcomeStrategyOptions<bool>
            {
                EnabledGenerator = _ => ValueTask.FromResult(Fault(ChaosPorts.PubSub).DropRate > 0),
                InjectionRateGenerator = _ => ValueTask.FromResult(Fault(ChaosPorts.PubSub).DropRate),
                OutcomeGenerator = _ => ValueTask.FromResult<Outcome<bool>?>(Outcome.FromResult(false)),
                OnOutcomeInjected = _ => Count(ChaosPorts.PubSub, "drop"),
            })
            .Build();
    }

    public IReadOnlyDictionary<string, PortFault> Faults => _faults;

    /// <summary>Faults injected so far, by <c>port:kind</c> (kind: error, latency, drop).</summary>
    public IReadOnlyDictionary<string, long> Injected => _injected;

    public void Set(string port, PortFault fault)
    {
        if (!ChaosPorts.All.Contains(port))
        {
            throw new ArgumentException($"Unknown port '{port}'; one of {string.Join(", ", ChaosPorts.All)}.", nameof(port));
        }

        _faults[port] = fault;
    }

    public void Clear() => _faults.Clear();

    public ValueTask ExecuteAsync(string port, Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        _pipelines[port].ExecuteAsync(call, cancellationToken);

    public ValueTask<T> ExecuteAsync<T>(string port, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        _pipelines[port].ExecuteAsync(call, cancellationToken);

    public T Execute<T>(string port, Func<T> call) => _pipelines[port].Execute(call);

    /// <summary>Whether a published message should reach its subscribers (false: the chaos drops it).</summary>
    public async ValueTask<bool> DeliverAsync(CancellationToken cancellationToken) =>
        await _drops.ExecuteAsync(static _ => ValueTask.FromResult(true), cancellationToken).ConfigureAwait(false);

    private PortFault Fault(string port) => _faults.TryGetValue(port, out var fault) ? fault : NoFault;

    private static readonly PortFault NoFault = new();

    private ResiliencePipeline BuildPipeline(string port) => new ResiliencePipelineBuilder()
        .AddChaosLatency(new ChaosLatencyStrategyOptions
        {
            EnabledGenerator = _ => ValueTask.FromResult(Fault(port) is { LatencyRate: > 0, LatencyMs: > 0 }),
            InjectionRateGenerator = _ => ValueTask.FromResult(Fault(port).LatencyRate),
            LatencyGenerator = _ => ValueTask.FromResult(TimeSpan.FromMilliseconds(Fault(port).LatencyMs)),
            OnLatencyInjected = _ => Count(port, "latency"),
        })
        .AddChaosFault(new ChaosFaultStrategyOptions
        {
            EnabledGenerator = _ => ValueTask.FromResult(Fault(port).ErrorRate > 0),
            InjectionRateGenerator = _ => ValueTask.FromResult(Fault(port).ErrorRate),
            FaultGenerator = _ => ValueTask.FromResult<Exception?>(FaultFor(port)),
            OnFaultInjected = _ => Count(port, "error"),
        })
        .Build();

    /// <summary>
    /// The failure a real outage of the port raises: the vector index's contract names <see cref="VectorIndexUnavailableException"/>
    /// for an unreachable backend; the other ports have no such type and fail with the injected I/O error itself.
    /// </summary>
    private static Exception FaultFor(string port) => port == ChaosPorts.VectorIndex
        ? new VectorSearch.VectorIndexUnavailableException("Chaos: the vector index is unavailable.", new ChaosInjectedException(port))
        : new ChaosInjectedException(port);

    private ValueTask Count(string port, string kind)
    {
        _injected.AddOrUpdate($"{port}:{kind}", 1, (_, n) => n + 1);
        return ValueTask.CompletedTask;
    }
}
