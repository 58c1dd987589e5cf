namespace Platform.Host;

/// <summary>
/// Where the platform keeps its local data (cluster, artifacts, vectors, api key, import manifests): <c>.platform/</c> at the
/// repository root, found by walking up from the directory the command was started in to <c>Platform.sln</c>, so every
/// verb uses the same folder whichever subdirectory it runs from; outside a repository, <c>.platform/</c> in that directory.
/// </summary>
public static class LocalDataFolder
{
    public const string Name = ".platform";

    /// <summary>The file that marks the repository root.</summary>
    public const string RepositoryMarker = "Platform.sln";

    public static string Locate(string startDirectory)
    {
        var start = new DirectoryInfo(Path.GetFullPath(startDirectory));
        for (var dir = start; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, RepositoryMarker)))
            {
                return Path.Combine(dir.FullName, Name);
            }
        }

        return Path.Combine(start.FullName, Name);
    }
}
