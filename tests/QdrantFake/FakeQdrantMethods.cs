using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace Platform.Testing.Qdrant;

/// <summary>The gRPC endpoints the fake serves, bound as hand-made method descriptors (service and method names from qdrant's protos).</summary>
internal sealed class FakeQdrantMethods : IServiceMethodProvider<FakeQdrantService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<FakeQdrantService> context)
    {
        Add<HealthCheckRequest, HealthCheckReply>(context, "qdrant.Qdrant", "HealthCheck", (s, r) => s.Store.Health(r));

        Add<CollectionExistsRequest, CollectionExistsResponse>(context, "qdrant.Collections", "CollectionExists", (s, r) => s.Store.CollectionExists(r));
        Add<CreateCollection, CollectionOperationResponse>(context, "qdrant.Collections", "Create", (s, r) => s.Store.CreateCollection(r));
        Add<GetCollectionInfoRequest, GetCollectionInfoResponse>(context, "qdrant.Collections", "Get", (s, r) => s.Store.GetCollection(r));
        Add<DeleteCollection, CollectionOperationResponse>(context, "qdrant.Collections", "Delete", (s, r) => s.Store.DeleteCollection(r));
        Add<ChangeAliases, CollectionOperationResponse>(context, "qdrant.Collections", "UpdateAliases", (s, r) => s.Store.UpdateAliases(r));
        Add<ListAliasesRequest, ListAliasesResponse>(context, "qdrant.Collections", "ListAliases", (s, r) => s.Store.ListAliases(r));
        Add<ListCollectionAliasesRequest, ListAliasesResponse>(context, "qdrant.Collections", "ListCollectionAliases", (s, r) => s.Store.ListCollectionAliases(r));

        Add<CreateFieldIndexCollection, PointsOperationResponse>(context, "qdrant.Points", "CreateFieldIndex", (s, r) => s.Store.CreateFieldIndex(r));
        Add<UpsertPoints, PointsOperationResponse>(context, "qdrant.Points", "Upsert", (s, r) => s.Store.Upsert(r));
        Add<DeletePoints, PointsOperationResponse>(context, "qdrant.Points", "Delete", (s, r) => s.Store.Delete(r));
        Add<GetPoints, GetResponse>(context, "qdrant.Points", "Get", (s, r) => s.Store.Get(r));
        Add<CountPoints, CountResponse>(context, "qdrant.Points", "Count", (s, r) => s.Store.Count(r));
        Add<QueryPoints, QueryResponse>(context, "qdrant.Points", "Query", (s, r) => s.Store.Query(r));
    }

    private static void Add<TRequest, TResponse>(
        ServiceMethodProviderContext<FakeQdrantService> context, string service, string name, Func<FakeQdrantService, TRequest, TResponse> handle)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary, service, name,
            Marshallers.Create(r => r.ToByteArray(), parser.ParseFrom),
            Marshallers.Create(r => r.ToByteArray(), responseParser.ParseFrom));
        context.AddUnaryMethod(method, [], async (service, request, callContext) =>
        {
            await service.Behaviour.BeforeAsync(callContext).ConfigureAwait(false);
            return handle(service, request);
        });
    }
}

/// <summary>The service instance gRPC creates per call: the shared store and behaviour.</summary>
internal sealed class FakeQdrantService(FakeQdrantStore store, FakeQdrantBehaviour behaviour)
{
    public FakeQdrantStore Store { get; } = store;

    public FakeQdrantBehaviour Behaviour { get; } = behaviour;
}
