namespace Platform.Dashboard;

/// <summary>Settings of the web dashboard (configuration section <c>Platform:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Platform:Dashboard";

    /// <summary>
    /// Where the platform's public API answers. Empty: the host's own first listening address (the dashboard is served by the
    /// host it calls). Set it when the dashboard runs apart from the APIs or behind a proxy that rewrites addresses.
    /// </summary>
    public string? ApiBaseUrl { get; set; }

    /// <summary>Streamed estimates the Live page keeps for its running chart and for a page opened late.</summary>
    public int LiveHistory { get; set; } = 500;

    /// <summary>How long a sign-in lasts without use.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Timeout of one API call the dashboard makes on behalf of a page.</summary>
    public TimeSpan ApiTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
