using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Dashboard.Api;
using Platform.Dashboard.Auth;

namespace Platform.Dashboard.Pages;

/// <summary>
/// Checks the credentials against the API itself (the tenant key must open the tenant's routes, the admin key an admin route),
/// then signs in.
/// </summary>
public sealed class SignInModel(PlatformApiFactory apis) : PageModel
{
    public string? Tenant { get; private set; }

    public string? ReturnUrl { get; private set; }

    public string? Error { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? tenant, string? tenantKey, string? apiKey, string? returnUrl, CancellationToken ct)
    {
        Tenant = tenant?.Trim();
        ReturnUrl = returnUrl;
        if (string.IsNullOrEmpty(Tenant))
        {
            Error = "Enter the tenant you work for.";
            return Page();
        }

        var key = string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim();
        var ownKey = string.IsNullOrWhiteSpace(tenantKey) ? null : tenantKey.Trim();
        var api = apis.For(new DashboardUser(Tenant, key, ownKey));
        var users = await api.ListUsersAsync(1, ct);
        if (users.Problem is { } problem)
        {
            Error = problem.Unreachable ? "The platform API is unreachable; try again shortly." : $"Tenant not accepted: {problem.Title} {problem.Detail}";
            return Page();
        }

        if (key is not null && (await api.ListWorkflowsAsync(1, ct)).Problem is { } keyProblem)
        {
            Error = keyProblem.Status == StatusCodes.Status401Unauthorized ? "The API key was not accepted." : $"Could not check the API key: {keyProblem.Title}";
            return Page();
        }

        await HttpContext.SignInAsync(DashboardUser.Scheme, new DashboardUser(Tenant, key, ownKey).ToPrincipal());
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
