using Platform.Host;

namespace Platform.EndToEnd.Tests;

/// <summary>The local data folder is <c>.platform/</c> at the repository root whichever directory the tool starts in.</summary>
public sealed class LocalDataFolderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("platform-folder-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Inside_a_repository_it_is_at_the_root_from_any_subdirectory()
    {
        var repository = _root.CreateSubdirectory("repo");
        File.WriteAllText(Path.Combine(repository.FullName, LocalDataFolder.RepositoryMarker), "");
        var deep = repository.CreateSubdirectory(Path.Combine("services", "platform"));
        var expected = Path.Combine(repository.FullName, ".platform");

        Assert.Equal(expected, LocalDataFolder.Locate(repository.FullName));
        Assert.Equal(expected, LocalDataFolder.Locate(deep.FullName));
    }

    [Fact]
    public void Outside_a_repository_it_is_in_the_current_directory()
    {
        var elsewhere = _root.CreateSubdirectory("elsewhere");

        Assert.Equal(Path.Combine(elsewhere.FullName, ".platform"), LocalDataFolder.Locate(elsewhere.FullName));
    }

    [Fact]
    public void This_repository_keeps_it_beside_Platform_sln()
    {
        Assert.Equal(Path.Combine(RepositoryFiles.Root(), ".platform"),
            LocalDataFolder.Locate(Path.Combine(RepositoryFiles.Root(), "services", "platform")));
    }
}
