using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Testing;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// What Kestrel answers, with the service defaults, to bodies that are too large, too slow or malformed and to headers that
/// never end, on a real loopback host written to byte by byte (<see cref="RawHttp"/>).
/// </summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private const long DefaultLimit = 256 * 1024;
    private const long SmallRouteLimit = 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private ServiceDefaultsHost _host = null!;
    private int _port;

    private sealed record Note(string Text);

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(
            new Dictionary<string, string?>
            {
                [$"{RequestLimitOptions.SectionName}:MaxRequestBodyBytes"] = $"{DefaultLimit}",
                [$"{RequestLimitOptions.SectionName}:RequestHeadersTimeout"] = "00:00:01",
                [$"{RequestLimitOptions.SectionName}:MinRequestBodyBytesPerSecond"] = "100",
                [$"{RequestLimitOptions.SectionName}:MinRequestBodyGracePeriod"] = "00:00:02",
            },
            map: app =>
            {
                // Reads the whole body as the platform's handlers do (JSON parsers, the workflow API's buffer).
                app.MapPost("/read", async (HttpRequest request, CancellationToken ct) =>
                {
                    using var buffer = new MemoryStream();
                    await request.Body.CopyToAsync(buffer, ct);
                    return TypedResults.Ok(buffer.Length);
                });
                app.MapPost("/small", async (HttpRequest request, CancellationToken ct) =>
                {
                    using var buffer = new MemoryStream();
                    await request.Body.CopyToAsync(buffer, ct);
                    return TypedResults.Ok(buffer.Length);
                }).WithRequestBodyLimit(SmallRouteLimit);
                // Minimal-API body binding: it catches the server's exception itself and only sets the status.
                app.MapPost("/bound", (Note note) => TypedResults.Ok(note.Text.Length)).WithRequestBodyLimit(SmallRouteLimit);
            },
            loopback: true);
        _port = _host.Port;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_body_over_30_MB_is_a_413_problem_naming_the_server_default_limit_before_it_is_read()
    {
        var response = await RawHttp.SendAsync(_port, Head("/read", contentLength: 31 * 1024 * 1024), new byte[64 * 1024], Patience);

        AssertProblem(response, 413, "body");
        Assert.Equal(DefaultLimit, response.Json().GetProperty(BadHttpRequestExceptionHandler.LimitExtension).GetInt64());
        Assert.Contains($"{DefaultLimit} bytes", response.Json().GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_chunked_body_growing_past_the_limit_is_a_413_problem_too()
    {
        var chunk = new string('x', 8 * 1024);
        var body = new StringBuilder();
        for (var sent = 0L; sent <= DefaultLimit; sent += chunk.Length)
        {
            body.Append($"{chunk.Length:x}\r\n{chunk}\r\n");
        }

        var response = await RawHttp.SendAsync(_port, Head("/read", chunked: true), Encoding.ASCII.GetBytes(body.ToString()), Patience);

        AssertProblem(response, 413, "body");
    }

    [Fact]
    public async Task A_route_specific_limit_is_a_413_problem_naming_that_limit()
    {
        var within = await RawHttp.SendAsync(_port, Head("/small", contentLength: SmallRouteLimit), new byte[SmallRouteLimit], Patience);
        var over = await RawHttp.SendAsync(_port, Head("/small", contentLength: SmallRouteLimit + 1), new byte[SmallRouteLimit + 1], Patience);
        var elsewhere = await RawHttp.SendAsync(_port, Head("/read", contentLength: SmallRouteLimit + 1), new byte[SmallRouteLimit + 1], Patience);

        Assert.Equal(200, within.Status);
        AssertProblem(over, 413, "body");
        Assert.Equal(SmallRouteLimit, over.Json().GetProperty(BadHttpRequestExceptionHandler.LimitExtension).GetInt64());
        Assert.Equal(200, elsewhere.Status);
    }

    [Fact]
    public async Task A_bound_body_over_its_route_limit_is_a_413_problem_naming_the_limit()
    {
        var json = Encoding.UTF8.GetBytes($"{{\"text\":\"{new string('x', (int)SmallRouteLimit)}\"}}");

        var response = await RawHttp.SendAsync(_port, Head("/bound", contentLength: json.Length), json, Patience);

        AssertProblem(response, 413, "body");
        Assert.Equal(SmallRouteLimit, response.Json().GetProperty(BadHttpRequestExceptionHandler.LimitExtension).GetInt64());
    }

    [Fact]
    public async Task A_stalled_body_is_a_408_problem()
    {
        // 10 of 1,000 announced bytes, then nothing: under 100 bytes/s once the 2 s grace period is over.
        var response = await RawHttp.SendAsync(_port, Head("/read", contentLength: 1000), new byte[10], Patience);

        AssertProblem(response, 408, "body");
    }

    [Fact]
    public async Task A_bad_chunk_size_is_a_400_problem_not_a_500()
    {
        var response = await RawHttp.SendAsync(_port, Head("/read", chunked: true), "zz\r\nhello\r\n0\r\n\r\n"u8.ToArray(), Patience);

        AssertProblem(response, 400, "body");
        Assert.Contains("chunk", response.Json().GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Headers_that_never_end_are_answered_408_by_kestrel_before_any_handler_runs()
    {
        // No endpoint or middleware exists yet for such a request, so Kestrel's answer has no body (no problem details).
        var response = await RawHttp.SendAsync(_port, "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", ReadOnlyMemory<byte>.Empty, Patience);

        Assert.Equal(408, response.Status);
    }

    [Fact]
    public void The_limits_reach_kestrel()
    {
        var kestrel = _host.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(DefaultLimit, kestrel.MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(1), kestrel.RequestHeadersTimeout);
        Assert.Equal(100, kestrel.MinRequestBodyDataRate!.BytesPerSecond);
    }

    [Theory]
    [InlineData("MaxRequestBodyBytes", "0")]
    [InlineData("RequestHeadersTimeout", "00:00:00")]
    [InlineData("MinRequestBodyBytesPerSecond", "-1")]
    [InlineData("MinRequestBodyGracePeriod", "00:00:01")]
    public async Task Invalid_limits_stop_the_host_at_start(string setting, string value)
    {
        // Kestrel reads its limits when the host is built, the limiter when it starts: either way the host never serves.
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await ServiceDefaultsHost.StartAsync(
                new Dictionary<string, string?> { [$"{RequestLimitOptions.SectionName}:{setting}"] = value }, loopback: true);
        });

        Assert.Contains(setting, failure.Message);
    }

    private static string Head(string path, long? contentLength = null, bool chunked = false) =>
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + (contentLength is { } length ? $"Content-Length: {length}\r\n" : string.Empty)
        + (chunked ? "Transfer-Encoding: chunked\r\n" : string.Empty)
        + "\r\n";

    private static void AssertProblem(RawHttpResponse response, int status, string field)
    {
        Assert.True(status == response.Status, $"expected {status}, got {response.Status}: {response.Body}");
        Assert.StartsWith("application/problem+json", response.ContentType);
        var problem = response.Json();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
    }
}
