using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.BuildingBlocks.Tests;

/// <summary>The one exception-to-problem-details convention every service gets from <c>AddServiceDefaults</c>.</summary>
public sealed class ProblemExceptionHandlerTests : IAsyncLifetime
{
    private ServiceDefaultsHost _host = null!;
    private HttpClient _client = null!;

    /// <summary>A domain exception that knows nothing of HTTP.</summary>
    private sealed class ShelfEmptyException(string shelf) : Exception($"Shelf '{shelf}' has nothing left.")
    {
        public string Shelf { get; } = shelf;
    }

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(
            configure: builder => builder.Services.AddProblemMapping<ShelfEmptyException>(e =>
                new ProblemException(StatusCodes.Status409Conflict, "The shelf is empty.", e.Message, "shelf")),
            map: app =>
            {
                app.MapGet("/shelves/{shelf}", Results<Ok<string>, ProblemHttpResult> (string shelf) =>
                        shelf == "empty" ? throw new ShelfEmptyException(shelf) : TypedResults.Ok(shelf))
                    .ProducesProblem(StatusCodes.Status409Conflict)
                    .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
                app.MapGet("/busy", string () => throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Busy.", "Come back later.")
                {
                    RetryAfterSeconds = 7,
                    Extensions = new Dictionary<string, object?> { ["queue"] = 3 },
                });
                app.MapGet("/bug", string () => throw new InvalidOperationException("internal secret"));
            });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task An_unhandled_domain_exception_a_module_mapped_is_problem_json_with_its_status_and_field()
    {
        using var response = await _client.GetAsync("/shelves/empty");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(409, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("The shelf is empty.", body.RootElement.GetProperty("title").GetString());
        Assert.Equal("Shelf 'empty' has nothing left.", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal("shelf", body.RootElement.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task A_problem_exception_sets_retry_after_and_its_extensions()
    {
        using var response = await _client.GetAsync("/busy");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, body.RootElement.GetProperty("queue").GetInt32());
        Assert.False(body.RootElement.TryGetProperty("field", out _));
    }

    [Fact]
    public async Task Any_other_exception_is_a_500_problem_that_hides_its_message()
    {
        using var response = await _client.GetAsync("/bug");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("internal secret", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_route_that_succeeds_is_untouched()
    {
        using var response = await _client.GetAsync("/shelves/top");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"top\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_typed_result_and_the_problem_responses_of_a_route()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));

        var responses = document.RootElement.GetProperty("paths").GetProperty("/shelves/{shelf}").GetProperty("get").GetProperty("responses");
        Assert.True(responses.GetProperty("200").GetProperty("content").TryGetProperty("application/json", out _));
        foreach (var status in new[] { "409", "503" })
        {
            Assert.True(responses.GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);
        }
    }
}
