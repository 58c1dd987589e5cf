using Microsoft.AspNetCore.Http;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// No champion is loaded yet (for the request's tenant: another tenant's model is never served instead). A
/// <see cref="ProblemException"/>, so every service answers it the same way through the platform's exception handler: 503
/// problem details with a Retry-After, so clients wait for the first deployment instead of treating it as a failure.
/// </summary>
public sealed class ModelNotDeployedException : ProblemException
{
    public ModelNotDeployedException(string modelName, int retryAfterSeconds, string? tenantId = null)
        : base(StatusCodes.Status503ServiceUnavailable, "No model is deployed.", tenantId is null
            ? $"No champion of '{modelName}' is loaded yet; retry after {retryAfterSeconds} s."
            : $"No champion of '{modelName}' is loaded yet for tenant '{tenantId}'; retry after {retryAfterSeconds} s.")
    {
        ModelName = modelName;
        TenantId = tenantId;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public string ModelName { get; }

    public string? TenantId { get; }
}
