using System.Net;
using Platform.PortfolioTwin.Api.Endpoints;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary><c>GET /users</c>: the tenant's users for a client to pick from (the dashboard's Matches page), tenant-scoped.</summary>
[Collection(TwinApiCollection.Name)]
public sealed class UserListTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task Lists_only_the_tenants_own_users_up_to_the_limit()
    {
        using var alpha = fixture.Client(TwinApiFixture.Alpha);
        var all = await (await alpha.GetAsync("/users")).ReadAsync<UserEndpoints.UserListResponse>();
        Assert.Equal(TwinApiFixture.Alpha, all.TenantId);
        Assert.Equal(fixture.AlphaMarket.Users.Count, all.Total);
        Assert.Equal(fixture.AlphaMarket.Users.Select(u => u.UserId).Order(StringComparer.Ordinal), all.Users.Select(u => u.UserId));

        var two = await (await alpha.GetAsync("/users?limit=2")).ReadAsync<UserEndpoints.UserListResponse>();
        Assert.Equal(all.Users.Take(2), two.Users);
        Assert.Equal(all.Total, two.Total);
    }

    [Fact]
    public async Task An_unknown_tenant_and_a_bad_limit_are_problems_naming_the_field()
    {
        using var unknown = fixture.Client("gamma");
        await (await unknown.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.NotFound, "X-Tenant-Id");

        using var alpha = fixture.Client(TwinApiFixture.Alpha);
        await (await alpha.GetAsync($"/users?limit={UserEndpoints.MaxLimit + 1}")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
    }
}
