using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Host;
using Platform.Testing;
using Platform.TrainingWorkflow.Management;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The limits on the all-in-one host with every module mapped (chaos on, demo off): every route is rate limited, the body
/// limits of the batch and workflow routes hold with 413 problems naming them.
/// </summary>
public sealed class RouteLimitsTests(PostgresDatabaseFixture database, ITestOutputHelper output) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Exempt on purpose (see RateLimitingExtensions): probes and the metrics scrape.</summary>
    private static readonly string[] Unlimited = ["/health", "/ready", "/metrics/prometheus"];

    [Fact]
    public async Task Every_mapped_route_answers_429_once_the_clients_budget_is_spent_except_health_and_metrics()
    {
        await WithHostAsync(["--Platform:RateLimit:PermitLimit=1", "--Platform:RateLimit:Window=01:00:00"], async (app, url) =>
        {
            var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
            var exempt = endpoints.Where(e => e.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
                .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Unlimited.Order(StringComparer.Ordinal), exempt);
            Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/workflows", StringComparison.Ordinal));
            Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/admin/chaos", StringComparison.Ordinal));
            Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/registry", StringComparison.Ordinal));

            using var client = new HttpClient { BaseAddress = new Uri(url) };
            client.DefaultRequestHeaders.Add("X-Tenant-Id", "demo");
            using (await client.GetAsync("/registry/price/versions"))
            {
                // Spends the one permit of this client's address.
            }

            var tried = new List<string>();
            var notLimited = new List<string>();
            foreach (var endpoint in endpoints.Where(e => e.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null))
            {
                var path = PathOf(endpoint.RoutePattern);
                foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                {
                    tried.Add($"{method} {path}");
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    using var response = await client.SendAsync(request);
                    if ((int)response.StatusCode != StatusCodes.Status429TooManyRequests || response.Headers.RetryAfter is null
                        || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        notLimited.Add($"{method} {path} → {(int)response.StatusCode}");
                    }
                }
            }

            output.WriteLine($"{tried.Count} routes tried: {string.Join(", ", tried)}");
            Assert.Empty(notLimited);
            Assert.True(tried.Count >= 40, $"only {tried.Count} routes mapped");
            foreach (var path in Unlimited)
            {
                using var response = await client.GetAsync(path);
                Assert.NotEqual(StatusCodes.Status429TooManyRequests, (int)response.StatusCode);
            }
        });
    }

    [Fact]
    public async Task Batch_and_workflow_bodies_over_their_route_limits_are_413_problems_naming_the_limit()
    {
        await WithHostAsync([], async (app, url) =>
        {
            var port = new Uri(url).Port;
            var adminKey = app.Configuration["Platform:ApiKeys:0"]!;
            var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
            long LimitOf(string pattern) => endpoints.Single(e => e.RoutePattern.RawText == pattern && e.Metadata.GetMetadata<HttpMethodMetadata>()?
                .HttpMethods.Contains("POST") == true).Metadata.GetMetadata<RequestBodyLimit>()!.Bytes;

            // Sized to the batch caps: 1,000 rows of 2 KiB (and an envelope); one small object; a workflow payload.
            Assert.Equal(RequestBodyLimit.ForBatch(1_000).Bytes, LimitOf("/estimate"));
            Assert.Equal(RequestBodyLimit.ForBatch(1_000).Bytes, LimitOf("/interactions"));
            Assert.Equal(RequestBodyLimit.ForBatch(1_000).Bytes, LimitOf("/batch_predict"));
            Assert.Equal(RequestBodyLimit.SingleObject.Bytes, LimitOf("/similar"));
            Assert.Equal(WorkflowManagement.MaxPayloadBytes, LimitOf("/workflows/{instanceId}/terminate"));

            // A body over 30 MB (announced, a little of it sent) on a tenant route: refused at once, naming the route's limit.
            var huge = await RawHttp.SendAsync(port, Head("/interactions", 31L * 1024 * 1024, ("X-Tenant-Id", "demo")), new byte[64 * 1024], Patience);
            AssertTooLarge(huge, LimitOf("/interactions"));

            // A full batch of the largest ids fits: the limit refuses nothing the batch cap allows.
            var id = new string('i', 200);
            var batch = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
            {
                interactions = Enumerable.Range(0, 1_000).Select(i => new
                {
                    event_id = $"{i:D6}{id}"[..200],
                    user_id = id,
                    property_id = id,
                    kind = "view",
                    occurred_at = "2024-01-01T00:00:00Z",
                }),
            }));
            var full = await RawHttp.SendAsync(port, Head("/interactions", batch.Length, ("X-Tenant-Id", "demo")), batch, Patience);
            Assert.NotEqual(StatusCodes.Status413PayloadTooLarge, full.Status);

            // Workflow payloads: one byte over 64 KiB is refused on terminate, events and start alike.
            var payload = Encoding.UTF8.GetBytes($"{{\"reason\":\"{new string('r', WorkflowManagement.MaxPayloadBytes)}\"}}");
            foreach (var path in new[] { "/workflows/some-instance/terminate", "/workflows/some-instance/events/approve", "/workflows/PlatformRetraining/start" })
            {
                var refused = await RawHttp.SendAsync(port, Head(path, payload.Length, ("X-Api-Key", adminKey)), payload, Patience);
                AssertTooLarge(refused, WorkflowManagement.MaxPayloadBytes);
            }
        });
    }

    private async Task WithHostAsync(string[] settings, Func<WebApplication, string, Task> test)
    {
        var workspace = Directory.CreateTempSubdirectory("platform-limits-");
        try
        {
            var url = $"http://127.0.0.1:{Loopback.FreePort()}";
            await using var app = PlatformHost.Build(AllInOneHostArguments.For(url, database.ConnectionString, workspace.FullName,
            [
                "--Platform:Demo:Enabled=false",
                "--Platform:Chaos:Enabled=true",
                "--Platform:Auth:AllowTenantHeader=true",
                .. settings,
            ]));
            await app.StartAsync();
            await test(app, url);
            await app.StopAsync();
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    /// <summary>A request path matching <paramref name="pattern"/>: every parameter is "1" (an id, a name and an int alike).</summary>
    private static string PathOf(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "1",
        }))));

    private static string Head(string path, long contentLength, params (string Name, string Value)[] headers) =>
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {contentLength}\r\n"
        + string.Concat(headers.Select(h => $"{h.Name}: {h.Value}\r\n")) + "\r\n";

    private static void AssertTooLarge(RawHttpResponse response, long limit)
    {
        Assert.True(response.Status == StatusCodes.Status413PayloadTooLarge, $"expected 413, got {response.Status}: {response.Body}");
        Assert.StartsWith("application/problem+json", response.ContentType);
        var problem = response.Json();
        Assert.Equal("body", problem.GetProperty("field").GetString());
        Assert.Equal(limit, problem.GetProperty(BadHttpRequestExceptionHandler.LimitExtension).GetInt64());
    }
}
