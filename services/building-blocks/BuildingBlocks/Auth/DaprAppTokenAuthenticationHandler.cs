using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// The service credential under Dapr: a request whose <c>dapr-api-token</c> header equals the app API token
/// (<see cref="PlatformAuthOptions.DaprAppToken"/>) came through this app's own sidecar, which adds the header to every call it
/// delivers, so it acts as <see cref="PlatformCredentials.DaprServiceIdentity"/> with scope <c>estimate</c> only. Such calls
/// (the twin pricing properties, also from background index builds) carry no caller credential; they name the tenant they act
/// for in <c>X-Tenant-Id</c>, which becomes the credential's tenant (the tenant filter checks the id). Which app may reach
/// which route through the sidecar is the sidecar's access control list (<c>components/valuation-configuration.yaml</c>).
/// No token configured: this scheme authenticates nobody. A wrong token: 401.
/// </summary>
public sealed class DaprAppTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<PlatformAuthOptions> settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DaprAppToken";

    /// <summary>The header daprd sends its app API token in (the same name the app uses towards its sidecar).</summary>
    public const string HeaderName = "dapr-api-token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = settings.Value.DaprAppToken;
        var presented = Request.Headers[HeaderName].ToString();
        if (expected is null || presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Digests of equal length, compared in constant time: neither the content nor the length of the token leaks.
        if (!CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(expected)))
        {
            return Task.FromResult(AuthenticateResult.Fail("The dapr-api-token is not this app's Dapr app API token."));
        }

        var tenant = Request.Headers[TenantScope.HeaderName].ToString();
        var principal = PlatformCredentials.Principal(
            SchemeName, PlatformCredentials.DaprServiceIdentity, tenant.Length == 0 ? null : tenant, [PlatformScopes.Estimate]);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
