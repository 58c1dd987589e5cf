using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.StateStore;
using Platform.BuildingBlocks.VectorSearch;

namespace Platform.BuildingBlocks.Chaos;

/// <summary>The state-store port with the chaos pipeline in front of every call.</summary>
internal sealed class ChaosStateStore(IStateStore inner, ChaosController chaos) : IStateStore
{
    private const string Port = ChaosPorts.StateStore;

    public Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<StateEntry?>(inner.GetAsync(key, ct)), cancellationToken).AsTask();

    public Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<string>(inner.SaveAsync(key, value, etag, ct)), cancellationToken).AsTask();

    public Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.DeleteAsync(key, etag, ct)), cancellationToken).AsTask();

    public Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.ExecuteTransactionAsync(operations, ct)), cancellationToken).AsTask();

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<IReadOnlyList<string>>(inner.ListKeysAsync(prefix, ct)), cancellationToken).AsTask();
}

/// <summary>The pub/sub port: publishing can be slow, fail, or be acknowledged and silently dropped.</summary>
internal sealed class ChaosEventPublisher(IEventPublisher inner, ChaosController chaos) : IEventPublisher
{
    public Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(ChaosPorts.PubSub, async ct =>
        {
            if (!await chaos.DeliverAsync(ct).ConfigureAwait(false))
            {
                // Acknowledged but never delivered: what a broker losing a message looks like to the publisher.
                return eventId ?? Guid.NewGuid().ToString("N");
            }

            return await inner.PublishAsync(topic, data, eventId, ct).ConfigureAwait(false);
        }, cancellationToken).AsTask();
}

/// <summary>The artifact port (model files, reports, dataset snapshots).</summary>
internal sealed class ChaosArtifactStore(IArtifactStore inner, ChaosController chaos) : IArtifactStore
{
    private const string Port = ChaosPorts.ArtifactStore;

    public Task PutAsync(string id, Stream content, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.PutAsync(id, content, ct)), cancellationToken).AsTask();

    public Task<Stream> OpenReadAsync(string id, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<Stream>(inner.OpenReadAsync(id, ct)), cancellationToken).AsTask();

    public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<bool>(inner.ExistsAsync(id, ct)), cancellationToken).AsTask();

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.DeleteAsync(id, ct)), cancellationToken).AsTask();
}

/// <summary>The vector-index port (similarity search behind /recommend and /similar, and index builds).</summary>
internal sealed class ChaosVectorIndex(IVectorIndex inner, ChaosController chaos) : IVectorIndex
{
    private const string Port = ChaosPorts.VectorIndex;

    public Task EnsureSpaceAsync(VectorSpace space, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.EnsureSpaceAsync(space, ct)), cancellationToken).AsTask();

    public Task<string?> ServingVersionAsync(VectorSpace space, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<string?>(inner.ServingVersionAsync(space, ct)), cancellationToken).AsTask();

    public Task UpsertAsync(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.UpsertAsync(space, tenantId, points, ct)), cancellationToken).AsTask();

    public Task DeleteAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask(inner.DeleteAsync(space, tenantId, ids, ct)), cancellationToken).AsTask();

    public Task<VectorPoint?> GetAsync(VectorSpace space, string tenantId, string id, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<VectorPoint?>(inner.GetAsync(space, tenantId, id, ct)), cancellationToken).AsTask();

    public Task<IReadOnlyList<VectorPoint>> GetManyAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<IReadOnlyList<VectorPoint>>(inner.GetManyAsync(space, tenantId, ids, ct)), cancellationToken).AsTask();

    public Task<long> CountAsync(VectorSpace space, string tenantId, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<long>(inner.CountAsync(space, tenantId, ct)), cancellationToken).AsTask();

    public Task<IReadOnlyList<VectorHit>> SearchAsync(VectorSpace space, VectorQuery query, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<IReadOnlyList<VectorHit>>(inner.SearchAsync(space, query, ct)), cancellationToken).AsTask();

    public Task<IReadOnlyList<VectorHit>> RecommendAsync(VectorSpace space, RecommendQuery query, CancellationToken cancellationToken = default) =>
        chaos.ExecuteAsync(Port, ct => new ValueTask<IReadOnlyList<VectorHit>>(inner.RecommendAsync(space, query, ct)), cancellationToken).AsTask();

    public async Task<IVectorSpaceBuild> BeginBuildAsync(VectorSpace space, string version, CancellationToken cancellationToken = default) =>
        new ChaosVectorSpaceBuild(
            await chaos.ExecuteAsync(Port, ct => new ValueTask<IVectorSpaceBuild>(inner.BeginBuildAsync(space, version, ct)), cancellationToken).ConfigureAwait(false),
            chaos);

    private sealed class ChaosVectorSpaceBuild(IVectorSpaceBuild inner, ChaosController chaos) : IVectorSpaceBuild
    {
        public string Version => inner.Version;

        public Task UpsertAsync(string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default) =>
            chaos.ExecuteAsync(Port, ct => new ValueTask(inner.UpsertAsync(tenantId, points, ct)), cancellationToken).AsTask();

        public Task CommitAsync(CancellationToken cancellationToken = default) =>
            chaos.ExecuteAsync(Port, ct => new ValueTask(inner.CommitAsync(ct)), cancellationToken).AsTask();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
