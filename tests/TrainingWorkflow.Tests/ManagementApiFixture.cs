using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.TrainingWorkflow.Management;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// A <see cref="WorkflowHostFixture"/> whose host serves the management API (with problem details and its OpenAPI document)
/// behind the admin key <paramref name="apiKey"/>, and <see cref="Http"/>, a client that carries that key.
/// </summary>
public abstract class ManagementApiFixture(string apiKey) : WorkflowHostFixture
{
    public HttpClient Http { get; private set; } = null!;

    protected override async Task<WorkflowTestHost> StartHostAsync()
    {
        var host = await WorkflowTestHost.StartAsync(
            DataSource,
            configure: builder =>
            {
                builder.Services.AddProblemDetails();
                builder.Services.AddOpenApi();
                builder.Services.Configure<ApiKeyOptions>(o => o.ApiKeys.Add(apiKey));
                builder.AddPlatformAuth();
            },
            map: app =>
            {
                // Authorization and the tenant after authentication, as the services compose them (both read the user it set).
                app.UsePlatformAuth();
                app.UsePlatformAuthorization();
                app.MapWorkflowManagementApi();
                app.MapOpenApi();
            });
        Http = host.CreateHttpClient();
        Http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        return host;
    }
}
