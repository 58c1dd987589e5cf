namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// Platform admin keys (configuration section <c>Platform:ApiKeys</c>): each authenticates as identity <c>admin</c> with scope
/// <c>admin</c> and no tenant (see <c>Auth/ApiKeyAuthenticationHandler</c>). Several allow rotation: add the new, then drop the old.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Platform";

    public List<string> ApiKeys { get; set; } = [];
}
