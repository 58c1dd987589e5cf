using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// <c>X-Api-Key</c>: the platform admin key (<c>Platform:ApiKeys</c>, scope <c>admin</c>, no tenant) or a tenant key
/// (<see cref="ApiKeyFormat"/>, verified by <see cref="ApiKeyVerifier"/>). Neither key is ever logged.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> adminKeys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (IsAdminKey(presented))
        {
            return Success(PlatformCredentials.AdminIdentity, null, [PlatformScopes.Admin]);
        }

        if (ApiKeyFormat.TryParse(presented) is not { } parsed)
        {
            return AuthenticateResult.Fail("The API key is not a platform key.");
        }

        if (Context.RequestServices.GetService<NpgsqlDataSource>() is null)
        {
            return AuthenticateResult.Fail("This host has no key store.");
        }

        var record = await Context.RequestServices.GetRequiredService<ApiKeyVerifier>().VerifyAsync(parsed, Context.RequestAborted).ConfigureAwait(false);
        return record is null
            ? AuthenticateResult.Fail("The API key is unknown, revoked or expired.")
            : Success("key:" + record.KeyId, record.TenantId, record.Scopes);
    }

    private AuthenticateResult Success(string identity, string? tenantId, IEnumerable<string> scopes) =>
        AuthenticateResult.Success(new AuthenticationTicket(PlatformCredentials.Principal(SchemeName, identity, tenantId, scopes), SchemeName));

    private bool IsAdminKey(string presented)
    {
        // Compared as UTF-16 bytes (equal strings, equal bytes), so nothing is encoded or allocated per request.
        var bytes = MemoryMarshal.AsBytes(presented.AsSpan());
        var matched = false;
        foreach (var key in adminKeys.CurrentValue.ApiKeys)
        {
            // Every configured key is compared, in constant time, so timing tells nothing about which (or whether one) matched.
            matched |= key.Length > 0 && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(key.AsSpan()), bytes);
        }

        return matched;
    }
}
