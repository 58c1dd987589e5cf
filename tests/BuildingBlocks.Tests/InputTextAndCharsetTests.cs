using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.Validation;

namespace Platform.BuildingBlocks.Tests;

/// <summary><see cref="TextInput"/> and <see cref="JsonCharsetMiddleware"/> as every service gets them from the service defaults.</summary>
public sealed class InputTextAndCharsetTests : IAsyncLifetime
{
    private ServiceDefaultsHost _host = null!;
    private HttpClient _client = null!;

    public sealed record Echo(int Version);

    public async Task InitializeAsync()
    {
        _host = await ServiceDefaultsHost.StartAsync(map: app =>
        {
            // A bound body (as the registry's alias route) and a body read as bytes (as the workflow routes).
            app.MapPost("/bound", (Echo echo) => TypedResults.Ok(echo.Version));
            app.MapPost("/raw", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                return TypedResults.Ok((await reader.ReadToEndAsync()).Length);
            });
        });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("u\u0000", "control character U+0000")]
    [InlineData("u\n", "control character U+000A")]
    [InlineData("\u001b[2J", "control character U+001B")]
    public void Control_characters_are_named(string text, string expected) =>
        Assert.Contains(expected, TextInput.Problem(text), StringComparison.Ordinal);

    [Fact]
    public void Lone_surrogates_are_named()
    {
        // Not theory data: the test runner's serialisation would replace a lone surrogate with U+FFFD.
        Assert.Contains("lone surrogate U+D800", TextInput.Problem("a\ud800"), StringComparison.Ordinal);
        Assert.Contains("lone surrogate U+DC00", TextInput.Problem("\udc00b"), StringComparison.Ordinal);
        Assert.Contains("lone surrogate U+D83D", TextInput.Problem("x\ud83d"), StringComparison.Ordinal);
        Assert.Null(TextInput.Problem("\ud83c\udfe0"));
    }

    [Theory]
    [InlineData("alpha-p000")]
    [InlineData("Bærum – Østerås")]
    [InlineData("house \U0001F3E0")]
    [InlineData("")]
    public void Ordinary_text_passes(string text) => Assert.Null(TextInput.Problem(text));

    [Theory]
    [InlineData("/bound", "application/json; charset=bogus")]
    [InlineData("/bound", "application/json; charset=utf-16")]
    [InlineData("/raw", "application/json; charset=\"windows-1252\"")]
    [InlineData("/raw", "application/problem+json; charset=ascii")]
    public async Task A_json_body_in_a_charset_other_than_utf8_is_415_naming_the_content_type(string path, string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"version\":1}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Content-Type", body.RootElement.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    public async Task Utf8_or_no_charset_reaches_the_handler(string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"version\":7}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _client.PostAsync("/bound", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("7", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_left_to_the_route()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("hello"));
        content.Headers.TryAddWithoutValidation("Content-Type", "text/plain; charset=bogus");

        using var response = await _client.PostAsync("/raw", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
