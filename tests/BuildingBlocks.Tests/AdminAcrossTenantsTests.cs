using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Platform.BuildingBlocks.Auth;
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
    private AuthHost _host = null!;

    public async Task InitializeAsync() => _host = await AuthHost.StartAsync(map: app =>
    {
        app.MapGet("/runs", (HttpContext context) => context.Features.Get<TenantScope>()?.TenantId ?? AllTenants)
            .RequireScope(PlatformScopes.Workflows, PlatformScopes.Admin).RequireTenant().AllowAdminToTargetTenant().AllowAdminAcrossTenants();
        app.MapGet("/tenant-only", (HttpContext context) => TenantScope.Of(context).TenantId)
            .RequireScope(PlatformScopes.Workflows, PlatformScopes.Admin).RequireTenant();
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

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
        using var client = _host.Client(apiKey, bearer, tenantHeader);
        using var response = await client.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
