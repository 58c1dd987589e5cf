using System.Net;
using System.Text.Json;

namespace Platform.Dashboard.Api;

/// <summary>Why an API call gave no value: the service's problem details, or that it could not be reached at all.</summary>
public sealed record ApiProblem(int? Status, string Title, string? Detail, string? Field, JsonElement? Body = null)
{
    public bool Unreachable => Status is null;

    public bool IsNoModel => Status == (int)HttpStatusCode.ServiceUnavailable;

    public static ApiProblem FromUnreachable(Exception exception) =>
        new(null, "The platform API is unreachable.", exception.Message, null);

    /// <summary>Reads RFC 9457 problem details; a body that is not one still yields the status and a title.</summary>
    public static ApiProblem FromResponse(HttpStatusCode status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return new ApiProblem(
                (int)status,
                Text(root, "title") ?? status.ToString(),
                Text(root, "detail"),
                Text(root, "field"),
                root.Clone());
        }
        catch (JsonException)
        {
            return new ApiProblem((int)status, $"{(int)status} {status}", body.Length > 300 ? body[..300] : body, null);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>A value, or the problem that prevented it.</summary>
public readonly record struct ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;

    public static implicit operator ApiResult<T>(ApiProblem problem) => new(default, problem);
}
