using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>
/// Binds <see cref="SidecarGrpcService"/> as <c>TaskHubSidecarService</c> (no proto package). The SDK ships only the
/// client stubs, so the server methods are described here by hand from its message types.
/// </summary>
internal sealed class SidecarMethodProvider : IServiceMethodProvider<SidecarGrpcService>
{
    public const string ServiceName = "TaskHubSidecarService";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<SidecarGrpcService> context)
    {
        Unary(context, "Hello", Empty.Parser, Empty.Parser, (s, r, c) => s.Hello(r, c));
        Unary(context, "StartInstance", CreateInstanceRequest.Parser, CreateInstanceResponse.Parser, (s, r, c) => s.StartInstance(r, c));
        Unary(context, "GetInstance", GetInstanceRequest.Parser, GetInstanceResponse.Parser, (s, r, c) => s.GetInstance(r, c));
        Unary(context, "WaitForInstanceStart", GetInstanceRequest.Parser, GetInstanceResponse.Parser, (s, r, c) => s.WaitForInstanceStart(r, c));
        Unary(context, "WaitForInstanceCompletion", GetInstanceRequest.Parser, GetInstanceResponse.Parser, (s, r, c) => s.WaitForInstanceCompletion(r, c));
        Unary(context, "RaiseEvent", RaiseEventRequest.Parser, RaiseEventResponse.Parser, (s, r, c) => s.RaiseEvent(r, c));
        Unary(context, "TerminateInstance", TerminateRequest.Parser, TerminateResponse.Parser, (s, r, c) => s.TerminateInstance(r, c));
        Unary(context, "SuspendInstance", SuspendRequest.Parser, SuspendResponse.Parser, (s, r, c) => s.SuspendInstance(r, c));
        Unary(context, "ResumeInstance", ResumeRequest.Parser, ResumeResponse.Parser, (s, r, c) => s.ResumeInstance(r, c));
        Unary(context, "PurgeInstances", PurgeInstancesRequest.Parser, PurgeInstancesResponse.Parser, (s, r, c) => s.PurgeInstances(r, c));
        Unary(context, "CompleteActivityTask", ActivityResponse.Parser, CompleteTaskResponse.Parser, (s, r, c) => s.CompleteActivityTask(r, c));
        Unary(context, "CompleteOrchestratorTask", WorkflowResponse.Parser, CompleteTaskResponse.Parser, (s, r, c) => s.CompleteWorkflowTask(r, c));
        Unary(context, "CompleteWorkflowTask", WorkflowResponse.Parser, CompleteTaskResponse.Parser, (s, r, c) => s.CompleteWorkflowTask(r, c));
        Unary(context, "RerunWorkflowFromEvent", RerunWorkflowFromEventRequest.Parser, RerunWorkflowFromEventResponse.Parser, (s, r, c) => s.RerunWorkflowFromEvent(r, c));
        Unary(context, "ListInstanceIDs", ListInstanceIDsRequest.Parser, ListInstanceIDsResponse.Parser, (s, r, c) => s.ListInstanceIDs(r, c));
        Unary(context, "GetInstanceHistory", GetInstanceHistoryRequest.Parser, GetInstanceHistoryResponse.Parser, (s, r, c) => s.GetInstanceHistory(r, c));
        context.AddServerStreamingMethod(
            Describe(MethodType.ServerStreaming, "GetWorkItems", GetWorkItemsRequest.Parser, WorkItem.Parser),
            [],
            (service, request, stream, callContext) =>
            {
                service.Authorize(callContext);
                return service.GetWorkItems(request, stream, callContext);
            });
    }

    private static void Unary<TRequest, TResponse>(
        ServiceMethodProviderContext<SidecarGrpcService> context, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser,
        Func<SidecarGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        context.AddUnaryMethod(Describe(MethodType.Unary, name, requestParser, responseParser), [], (service, request, callContext) =>
        {
            service.Authorize(callContext);
            return handler(service, request, callContext);
        });

    private static Method<TRequest, TResponse> Describe<TRequest, TResponse>(MethodType type, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(type, ServiceName, name,
            Marshallers.Create(message => message.ToByteArray(), requestParser.ParseFrom),
            Marshallers.Create(message => message.ToByteArray(), responseParser.ParseFrom));
}
