using System.Text.Json;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.PortfolioTwin.Api.Contracts;

/// <summary>
/// The wire format of the twin's events and of its clients (benchmarks, tests): the platform's snake_case wire, like <c>user_id</c>
/// in the spec. The HTTP API gets the same from the host's one HTTP JSON configuration (<see cref="WireJson"/>).
/// </summary>
public static class TwinJson
{
    public static JsonSerializerOptions Options => WireJson.Options;
}

/// <summary>One invalid field of a request: its JSON path and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Detail);
