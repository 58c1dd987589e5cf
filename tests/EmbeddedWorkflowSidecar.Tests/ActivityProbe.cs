using System.Collections.Concurrent;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>What activities observed while running (shared by the activities of one host), keyed per test run.</summary>
public sealed class ActivityProbe
{
    public ConcurrentDictionary<string, ConcurrentQueue<DateTime>> Attempts { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DeterminismSample> Samples { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Executions { get; } = new(StringComparer.Ordinal);

    public int Attempt(string key)
    {
        var queue = Attempts.GetOrAdd(key, _ => new ConcurrentQueue<DateTime>());
        queue.Enqueue(DateTime.UtcNow);
        return queue.Count;
    }

    public void Executed(string key) => Executions.AddOrUpdate(key, 1, (_, n) => n + 1);
}
