using System.Security.Claims;
using Platform.BuildingBlocks.Auth;

namespace Platform.BuildingBlocks.Tests.Auth;

public sealed class PlatformScopesTests
{
    private static ClaimsPrincipal With(params string[] scopeClaims) =>
        new(new ClaimsIdentity(scopeClaims.Select(v => new Claim(PlatformScopes.ClaimType, v)), "test"));

    [Theory]
    [InlineData("estimate", new[] { "estimate" }, true)]
    [InlineData("twin:read estimate", new[] { "twin:write", "estimate" }, true)]
    [InlineData("  twin:read   workflows ", new[] { "workflows" }, true)]
    [InlineData("twin:read", new[] { "twin" }, false)]
    [InlineData("estimates", new[] { "estimate" }, false)]
    [InlineData("Estimate", new[] { "estimate" }, false)]
    [InlineData("", new[] { "estimate" }, false)]
    public void A_scope_is_held_only_as_a_whole_space_separated_word(string claim, string[] anyOf, bool expected)
    {
        Assert.Equal(expected, PlatformScopes.HasAny(With(claim), anyOf));
    }

    [Fact]
    public void Scopes_are_read_from_every_scope_claim_of_every_identity_and_no_other_claim()
    {
        var user = With("twin:read");
        user.AddIdentity(new ClaimsIdentity([new Claim(PlatformScopes.ClaimType, "admin"), new Claim("scp", "estimate")], "other"));

        Assert.True(PlatformScopes.Has(user, PlatformScopes.Admin));
        Assert.True(PlatformScopes.Has(user, PlatformScopes.TwinRead));
        Assert.False(PlatformScopes.Has(user, PlatformScopes.Estimate));
        Assert.False(PlatformScopes.HasAny(new ClaimsPrincipal(), PlatformScopes.All));
    }
}
