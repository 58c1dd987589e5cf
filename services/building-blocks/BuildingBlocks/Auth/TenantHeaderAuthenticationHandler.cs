using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// Development mode only (<see cref="PlatformAuthOptions.AllowTenantHeader"/>): a request with no credential but an
/// <c>X-Tenant-Id</c> header acts as <c>dev:&lt;tenant&gt;</c> with the tenant scopes. The id is validated by the tenant filter
/// (400 naming the header), as it always was.
/// </summary>
public sealed class TenantHeaderAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TenantHeader";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var tenant = Request.Headers[TenantScope.HeaderName].ToString();
        return Task.FromResult(tenant.Length == 0
            ? AuthenticateResult.NoResult()
            : AuthenticateResult.Success(new AuthenticationTicket(
                PlatformCredentials.Principal(SchemeName, "dev:" + tenant, tenant, PlatformScopes.Tenant), SchemeName)));
    }
}
