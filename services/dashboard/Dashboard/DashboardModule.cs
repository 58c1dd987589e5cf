using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Dashboard.Api;
using Platform.Dashboard.Auth;
using Platform.Dashboard.Live;
using Platform.Dashboard.Monitoring;

namespace Platform.Dashboard;

/// <summary>
/// The web dashboard as a module of a host: Razor Pages at <c>/</c> and <c>/dashboard/*</c> that call the host's own public API
/// with the signed-in user's credentials, plus the two event streams the Live and Workflow pages read.
/// </summary>
public static class DashboardModule
{
    public const string AssetsPath = "/dashboard/assets";

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>()
            .Bind(builder.Configuration.GetSection(DashboardOptions.SectionName))
            .Validate(o => string.IsNullOrWhiteSpace(o.ApiBaseUrl) || Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out _),
                $"{DashboardOptions.SectionName}:ApiBaseUrl must be an absolute URL.")
            .Validate(o => o.LiveHistory is > 0 and <= 100_000, $"{DashboardOptions.SectionName}:LiveHistory must be between 1 and 100000.")
            .Validate(o => o.SessionLifetime > TimeSpan.Zero && o.ApiTimeout > TimeSpan.Zero,
                $"{DashboardOptions.SectionName}: SessionLifetime and ApiTimeout must be positive.")
            .ValidateOnStart();

        services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/", DashboardUser.Policy);
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .AddApplicationPart(typeof(DashboardModule).Assembly);

        // A named scheme, not the default: API requests are never authenticated by the dashboard's cookie.
        services.AddAuthentication().AddCookie(DashboardUser.Scheme, o =>
        {
            o.Cookie.Name = "platform.dashboard";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.LoginPath = "/dashboard/signin";
            o.LogoutPath = "/dashboard/signout";
            o.AccessDeniedPath = "/dashboard/signin";
            o.SlidingExpiration = true;
        });
        services.AddOptions<CookieAuthenticationOptions>(DashboardUser.Scheme)
            .Configure<IOptions<DashboardOptions>>((cookie, dashboard) => cookie.ExpireTimeSpan = dashboard.Value.SessionLifetime);
        services.AddAuthorizationBuilder().AddPolicy(DashboardUser.Policy, policy => policy
            .AddAuthenticationSchemes(DashboardUser.Scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(DashboardUser.TenantClaim));

        services.AddHttpContextAccessor();
        services.AddSingleton<PlatformApiAddress>();
        services.AddHttpClient(PlatformApi.HttpClientName, (sp, client) =>
        {
            client.BaseAddress = sp.GetRequiredService<PlatformApiAddress>().BaseAddress;
            client.Timeout = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.ApiTimeout;
        });
        services.AddSingleton<PlatformApiFactory>();
        services.AddScoped(sp => sp.GetRequiredService<PlatformApiFactory>().ForCurrentUser());

        services.AddSingleton<EstimatesFeed>();
        services.AddSingleton<IEventHandler, LiveEstimatesHandler>();
        services.AddSingleton<IEventHandler, LiveEstimateRequestsHandler>();
        services.AddSingleton<RequestStatistics>();
        return builder;
    }

    /// <summary>The tenant of the signed-in dashboard user (the group's policy guarantees one).</summary>
    private static string SignedInTenant(HttpContext context) =>
        Auth.DashboardUser.From(context.User)?.TenantId ?? throw new InvalidOperationException("The dashboard route ran without a signed-in user.");

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(DashboardModule).Assembly, "Platform.Dashboard.Assets"),
            RequestPath = AssetsPath,
        });
        // The estimate page's CSV upload: up to MaxCsvRows rows of feature values (the server-wide default is smaller).
        app.MapRazorPages().WithRequestBodyLimit(RequestBodyLimit.ForBatch(Pages.EstimateModel.MaxCsvRows, bytesPerRow: 1024));

        var dashboard = app.MapGroup("/dashboard").RequireAuthorization(DashboardUser.Policy).ExcludeFromDescription();
        dashboard.MapGet("/live/stream", (HttpContext context, EstimatesFeed feed, CancellationToken ct) =>
            TypedResults.ServerSentEvents(feed.SubscribeAsync(SignedInTenant(context), ct).Select(e => e is null
                ? new SseItem<LiveEstimate?>(null, "ready")
                : new SseItem<LiveEstimate?>(e, "estimate") { EventId = e.EventId })));
        dashboard.MapGet("/live/chart.png", (HttpContext context, EstimatesFeed feed, TimeProvider time) =>
            TypedResults.File(Charts.Charts.LiveVolumeAndError(feed.History(SignedInTenant(context)), time.GetUtcNow()), "image/png"));
        dashboard.MapGet("/workflows/{instanceId}/stream", RelayWorkflowStreamAsync);
        return app;
    }

    /// <summary>
    /// The browser's EventSource cannot send the API key, so the dashboard opens <c>GET /workflows/{id}/stream</c> with the
    /// signed-in administrator's credentials and relays the events unchanged.
    /// </summary>
    private static async Task RelayWorkflowStreamAsync(string instanceId, HttpContext context, PlatformApi api, CancellationToken ct)
    {
        if (!api.User.IsAdmin)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var opened = await api.OpenWorkflowStreamAsync(instanceId, ct).ConfigureAwait(false);
        if (opened.Problem is { } problem)
        {
            context.Response.StatusCode = problem.Status ?? StatusCodes.Status502BadGateway;
            await context.Response.WriteAsync(problem.Title, Encoding.UTF8, ct).ConfigureAwait(false);
            return;
        }

        using var upstream = opened.Value!;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await using var source = await upstream.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[8192];
        int read;
        try
        {
            while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page was closed.
        }
    }
}
