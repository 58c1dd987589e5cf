namespace Platform.Testing;

/// <summary>The command line of an all-in-one host (<c>PlatformHost.Build</c>) that a test starts.</summary>
public static class AllInOneHostArguments
{
    /// <summary>
    /// The host on <paramref name="url"/>, connected to <paramref name="connectionString"/>, with its files (model artifacts,
    /// vector index, admin key file <c>api-key</c>) in <paramref name="workspace"/> and warnings-only logs; then the test's own
    /// <paramref name="settings"/> (a later setting wins).
    /// </summary>
    public static string[] For(string url, string connectionString, string workspace, params string[] settings) =>
    [
        "--urls", url,
        $"--ConnectionStrings:Postgres={connectionString}",
        $"--Platform:Embedded:ArtifactsPath={Path.Combine(workspace, "artifacts")}",
        $"--VectorIndex:Embedded:DataDirectory={Path.Combine(workspace, "vectors")}",
        $"--Platform:ApiKeyFile={Path.Combine(workspace, "api-key")}",
        "--Logging:LogLevel:Default=Warning",
        .. settings,
    ];
}
