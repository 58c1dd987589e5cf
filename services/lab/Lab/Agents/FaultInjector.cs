using System.Text.Json.Nodes;
using Platform.Lab.Scenarios;

namespace Platform.Lab.Agents;

/// <summary>
/// Switches the platform's chaos faults per phase through its admin chaos route (present only on a host started with
/// <c>Platform:Chaos:Enabled=true</c>). Clearing at the end of a run always happens, also when the run fails.
/// </summary>
public sealed class FaultInjector(PlatformClient client)
{
    public const string Route = "/admin/chaos";

    private bool _set;

    public async Task EnterAsync(IReadOnlyDictionary<string, FaultSpec>? faults, CancellationToken cancellationToken)
    {
        if (faults is null || faults.Count == 0)
        {
            await ClearAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var ports = new JsonObject();
        foreach (var (port, fault) in faults)
        {
            ports[port] = new JsonObject
            {
                ["error_rate"] = fault.ErrorRate,
                ["latency_rate"] = fault.LatencyRate,
                ["latency_ms"] = fault.LatencyMs,
                ["drop_rate"] = fault.DropRate,
            };
        }

        try
        {
            await client.SendJsonAsync(HttpMethod.Put, Route, new JsonObject { ["ports"] = ports }, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformCallException exception) when (exception.Status == 404)
        {
            throw new InvalidOperationException(
                "The scenario injects faults but the platform has no chaos route: start it with Platform:Chaos:Enabled=true.", exception);
        }

        _set = true;
    }

    /// <summary>What the platform reports it injected (port:kind → count), or null when chaos is off.</summary>
    public async Task<Dictionary<string, long>?> InjectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var state = await client.GetJsonAsync(Route, cancellationToken, admin: true).ConfigureAwait(false);
            return state?["injected"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
        }
        catch (PlatformCallException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        if (!_set)
        {
            return;
        }

        await client.SendJsonAsync(HttpMethod.Delete, Route, null, cancellationToken).ConfigureAwait(false);
        _set = false;
    }
}
