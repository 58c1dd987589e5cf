using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Tenancy;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Endpoints;

/// <summary>The tenant's users, so a client (the dashboard's Matches page) can offer them to pick from.</summary>
public static class UserEndpoints
{
    public const int MaxLimit = 1_000;

    public sealed record UserSummary(string UserId, string Name, string Segment);

    public sealed record UserListResponse(string TenantId, long Total, IReadOnlyList<UserSummary> Users);

    public static RouteGroupBuilder MapUserEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapTwinGroup("Users", PlatformScopes.TwinRead);
        group.MapGet("/users", async Task<Ok<UserListResponse>> (int? limit, HttpContext context, TenantStore tenants, UserStore users, CancellationToken cancellationToken) =>
            {
                var take = limit ?? 100;
                if (take is < 1 or > MaxLimit)
                {
                    throw new TwinRequestException(StatusCodes.Status400BadRequest, "Invalid limit.", $"limit must be between 1 and {MaxLimit}.", "limit");
                }

                var tenantId = TenantScope.Of(context).TenantId;
                if (!await tenants.ExistsAsync(tenantId, cancellationToken).ConfigureAwait(false))
                {
                    throw new TwinRequestException(StatusCodes.Status404NotFound, "Unknown tenant.", $"No tenant '{tenantId}' exists.", TenantScope.HeaderName);
                }

                var page = new List<UserSummary>(take);
                await foreach (var user in users.StreamAsync(tenantId, cancellationToken).ConfigureAwait(false))
                {
                    page.Add(new UserSummary(user.UserId, user.Name, user.Segment));
                    if (page.Count == take)
                    {
                        break;
                    }
                }

                var total = await users.CountAsync(tenantId, cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(new UserListResponse(tenantId, total, page));
            })
            .WithName("ListUsers")
            .WithSummary("The tenant's users (id, name, segment), ordered by id, at most `limit` (default 100).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }
}
