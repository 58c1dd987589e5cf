namespace Platform.BuildingBlocks.Dapr;

/// <summary>
/// Calls another platform service by app id (e.g. portfolio-twin → valuation <c>POST /estimate</c>). In Dapr mode the
/// sidecar resolves, secures (mTLS) and retries the call per the resiliency policy; callers never see a host name.
/// </summary>
public interface IServiceInvoker
{
    /// <summary>
    /// POSTs <paramref name="request"/> as JSON to <paramref name="method"/> of <paramref name="appId"/> and reads the JSON reply;
    /// <paramref name="headers"/> go with the request (e.g. the tenant the call acts for).
    /// </summary>
    /// <exception cref="ServiceInvocationException">The callee answered with a non-success status.</exception>
    Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string appId, string method, TRequest request, CancellationToken cancellationToken = default, IReadOnlyDictionary<string, string>? headers = null);
}

/// <summary>A service invocation that reached the callee but failed there.</summary>
public sealed class ServiceInvocationException(string appId, string method, int statusCode, string body)
    : Exception($"Calling '{method}' on '{appId}' failed with HTTP {statusCode}: {body}")
{
    public string AppId { get; } = appId;
    public string Method { get; } = method;
    public int StatusCode { get; } = statusCode;
}
