using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Platform.Dapr.Tests.FakeSidecar;

/// <summary>
/// Server-side descriptors of the Dapr runtime gRPC methods the adapters call. Dapr.Protos ships only the client stub, so
/// the service is bound from the published message types and the wire names of <c>dapr.proto.runtime.v1.Dapr</c>.
/// </summary>
internal static class DaprRuntimeMethods
{
    public const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    public static readonly Method<GetStateRequest, GetStateResponse> GetState = Unary<GetStateRequest, GetStateResponse>(nameof(GetState));
    public static readonly Method<SaveStateRequest, Empty> SaveState = Unary<SaveStateRequest, Empty>(nameof(SaveState));
    public static readonly Method<DeleteStateRequest, Empty> DeleteState = Unary<DeleteStateRequest, Empty>(nameof(DeleteState));
    public static readonly Method<ExecuteStateTransactionRequest, Empty> ExecuteStateTransaction =
        Unary<ExecuteStateTransactionRequest, Empty>(nameof(ExecuteStateTransaction));
    public static readonly Method<PublishEventRequest, Empty> PublishEvent = Unary<PublishEventRequest, Empty>(nameof(PublishEvent));
    public static readonly Method<InvokeBindingRequest, InvokeBindingResponse> InvokeBinding =
        Unary<InvokeBindingRequest, InvokeBindingResponse>(nameof(InvokeBinding));

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, ServiceName, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
    }
}

/// <summary>
/// The server base Dapr.Protos does not ship, in the shape Grpc.Tools would generate: virtual handlers answering
/// Unimplemented, bound by name through <see cref="BindService"/>.
/// </summary>
[BindServiceMethod(typeof(DaprRuntimeBase), nameof(BindService))]
public abstract class DaprRuntimeBase
{
    public static void BindService(ServiceBinderBase binder, DaprRuntimeBase? service)
    {
        // Grpc.AspNetCore ignores these delegates and resolves each override by the method's name.
        binder.AddMethod(DaprRuntimeMethods.GetState, service is null ? null : service.GetState);
        binder.AddMethod(DaprRuntimeMethods.SaveState, service is null ? null : service.SaveState);
        binder.AddMethod(DaprRuntimeMethods.DeleteState, service is null ? null : service.DeleteState);
        binder.AddMethod(DaprRuntimeMethods.ExecuteStateTransaction, service is null ? null : service.ExecuteStateTransaction);
        binder.AddMethod(DaprRuntimeMethods.PublishEvent, service is null ? null : service.PublishEvent);
        binder.AddMethod(DaprRuntimeMethods.InvokeBinding, service is null ? null : service.InvokeBinding);
    }

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<InvokeBindingResponse> InvokeBinding(InvokeBindingRequest request, ServerCallContext context) => throw Unimplemented();

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, ""));
}
