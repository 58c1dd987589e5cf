using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// The platform's routes refuse with problem details: 401 (no valid credential, with <c>WWW-Authenticate</c>) and 403 (the
/// credential lacks the route's scope). Other policies (the dashboard's cookie sign-in) keep their default behaviour.
/// </summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _fallback = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        // Allowed: straight on (every authorized request passes here, so no state machine and no metadata lookup).
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredScopes>();
        return required is null
            ? _fallback.HandleAsync(next, context, policy, authorizeResult)
            : RefuseAsync(context, required, authorizeResult);
    }

    private Task RefuseAsync(HttpContext context, RequiredScopes required, PolicyAuthorizationResult authorizeResult)
    {
        ProblemDetails problem;
        if (authorizeResult.Challenged)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer, ApiKey header=\"X-Api-Key\"";
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "A valid credential is required.",
                Detail = "Send a bearer token (Authorization: Bearer <JWT>) or an API key (X-Api-Key).",
            };
            problem.Extensions["field"] = ApiKeyAuthenticationHandler.HeaderName;
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "The credential does not allow this.",
                Detail = required.AnyOf.Count == 0
                    ? "The credential is not allowed to call this route."
                    : $"This route needs the scope {string.Join(" or ", required.AnyOf.Select(s => $"'{s}'"))}.",
            };
            problem.Extensions["field"] = "scope";
            problem.Extensions["required_scopes"] = required.AnyOf;
        }

        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }
}
