using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Tenancy;
using Platform.BuildingBlocks.Tests.Auth;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// <see cref="TenantEndpointExtensions.AllowAdminAcrossTenants{TBuilder}"/> (the workflow routes): the admin naming no tenant
/// reaches the handler with no tenant resolved; naming one, it acts for that one; a tenant's credential is still its tenant's,
/// and a credential without a tenant that is not the admin is still refused.
/// </summary>
public sealed class AdminAcrossTenantsTests : IAsyncLifetime
{
    private const string AllTenants = "*";
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:ApiKeys:0"] = AuthHost.AdminKey,
            ["Platform:Auth:Jwt:Issuer"] = AuthHost.Issuer,
            ["Platform:Auth:Jwt:Audience"] = AuthHost.Audience,
            ["Platform:Auth:Jwt:SigningKeys:0"] = Convert.ToBase64String(AuthHost.SigningKey),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults();
        _app = builder.Build();
        _app.UseServiceDefaults();
        _app.MapGet("/runs", (HttpContext context) => context.Features.Get<TenantScope>()?.TenantId ?? AllTenants)
            .RequireScope(PlatformScopes.Workflows, PlatformScopes.Admin).RequireTenant().AllowAdminToTargetTenant().AllowAdminAcrossTenants();
        _app.MapGet("/tenant-only", (HttpContext context) => TenantScope.Of(context).TenantId)
            .RequireScope(PlatformScopes.Workflows, PlatformScopes.Admin).RequireTenant();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_admin_naming_no_tenant_acts_across_tenants_and_naming_one_acts_for_it()
    {
        Assert.Equal(AllTenants, await GetAsync("/runs", apiKey: AuthHost.AdminKey));
        Assert.Equal("beta", await GetAsync("/runs", apiKey: AuthHost.AdminKey, tenantHeader: "beta"));
        Assert.Equal(AllTenants, await GetAsync("/runs", bearer: AuthHost.Token(tenant: null, scope: "admin")));
        // Without the marker the admin still gets no tenant route.
        Assert.Equal("403", await GetAsync("/tenant-only", apiKey: AuthHost.AdminKey));
    }

    [Fact]
    public async Task A_tenant_credential_stays_its_tenants_and_one_without_a_tenant_or_admin_is_refused()
    {
        Assert.Equal("alpha", await GetAsync("/runs", bearer: AuthHost.Token(scope: "workflows")));
        Assert.Equal("alpha", await GetAsync("/runs", bearer: AuthHost.Token(scope: "workflows"), tenantHeader: "alpha"));
        Assert.Equal("403", await GetAsync("/runs", bearer: AuthHost.Token(scope: "workflows"), tenantHeader: "beta"));
        Assert.Equal("403", await GetAsync("/runs", bearer: AuthHost.Token(tenant: null, scope: "workflows")));
        Assert.Equal("401", await GetAsync("/runs"));
    }

    /// <summary>The body of a 200, else the status code.</summary>
    private async Task<string> GetAsync(string path, string? apiKey = null, string? bearer = null, string? tenantHeader = null)
    {
        using var client = _app.GetTestClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        }

        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        if (tenantHeader is not null)
        {
            client.DefaultRequestHeaders.Add(TenantScope.HeaderName, tenantHeader);
        }

        using var response = await client.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
