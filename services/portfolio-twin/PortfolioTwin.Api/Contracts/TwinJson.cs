using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.PortfolioTwin.Api.Contracts;

/// <summary>The wire format of the twin API and its events: snake_case, like <c>user_id</c> in the spec.</summary>
public static class TwinJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };
}

/// <summary>One invalid field of a request: its JSON path and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Detail);
