using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The all-in-one host composes every module in one process with one HTTP JSON configuration: the platform APIs answer and
/// are described (OpenAPI) in snake_case, the workflow management API keeps its camelCase, and both shapes hold in one host.
/// </summary>
public sealed partial class WireJsonTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const string AdminKey = "wire-json-admin-key";

    // The workflow management API's records (the Dapr SDK's failure details and the framework's server-sent event item they
    // come in) follow Dapr's camelCase workflow API.
    private static readonly string[] WorkflowSchemas =
        ["WorkflowStateResponse", "WorkflowStartResponse", "WorkflowListResponse", "WorkflowStep", "WorkflowTaskFailureDetails", "SseItemOfWorkflowStateResponse"];

    [Fact]
    public async Task The_openapi_document_and_the_answers_show_snake_case_for_the_platform_apis_and_camel_case_for_workflows()
    {
        var workspace = Directory.CreateTempSubdirectory("platform-wire-json-");
        try
        {
            var url = $"http://127.0.0.1:{Loopback.FreePort()}";
            await using var app = PlatformHost.Build(
            [
                "--urls", url,
                $"--ConnectionStrings:Postgres={database.ConnectionString}",
                $"--Platform:Embedded:ArtifactsPath={Path.Combine(workspace.FullName, "artifacts")}",
                $"--VectorIndex:Embedded:DataDirectory={Path.Combine(workspace.FullName, "vectors")}",
                $"--Platform:ApiKeyFile={Path.Combine(workspace.FullName, "api-key")}",
                $"--Platform:ApiKeys:0={AdminKey}",
                "--Platform:Demo:Enabled=false",
                "--Logging:LogLevel:Default=Warning",
            ]);
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, AdminKey);

            using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
            var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
            var wrong = new List<string>();
            foreach (var schema in schemas.EnumerateObject())
            {
                var names = Properties(schema.Value);
                var camel = WorkflowSchemas.Contains(schema.Name);
                wrong.AddRange(names.Where(n => camel ? n.Contains('_', StringComparison.Ordinal) : !SnakeCase().IsMatch(n)).Select(n => $"{schema.Name}.{n}"));
            }

            Assert.True(wrong.Count == 0, string.Join(", ", wrong));
            Assert.Contains("model_version", Properties(schemas.GetProperty("EstimateResponse")));
            Assert.Contains("affinity_score", Properties(schemas.GetProperty("PredictResponse")));
            Assert.Contains("size_bytes", Properties(schemas.GetProperty("ModelInfo")));
            Assert.Contains("next_before", Properties(schemas.GetProperty("AuditPageResponse")));
            Assert.Contains("pageSize", Properties(schemas.GetProperty("WorkflowListResponse")));

            // The answers match their description.
            await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("wire", [PlatformScopes.Estimate], null);
            var keys = await http.GetFromJsonAsync<JsonElement>("/admin/keys?tenantId=wire");
            Assert.True(Assert.Single(keys.EnumerateArray()).TryGetProperty("key_id", out _));
            var workflows = await http.GetFromJsonAsync<JsonElement>("/workflows/");
            Assert.True(workflows.TryGetProperty("pageSize", out _));
            Assert.True(workflows.TryGetProperty("totalCount", out _));
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    private static List<string> Properties(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];

    [GeneratedRegex(@"\A[a-z0-9_]+\z")]
    private static partial Regex SnakeCase();
}
