using System.Runtime.CompilerServices;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Data;

namespace Platform.EndToEnd.Tests;

/// <summary>Files of this repository and the shared data sets beside it, and small seeded markets for the verb tests.</summary>
internal static class RepositoryFiles
{
    /// <summary>Found from this source file's path, because test output may live outside the repository (--artifacts-path).</summary>
    public static string Root([CallerFilePath] string sourceFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static string SharedDataset(string name) => Path.GetFullPath(Path.Combine(Root(), "..", "shared", "datasets", name));

    public static string SchemaFile(string name) => Path.Combine(Root(), "datasets", name);

    public static TwinDataset SmallMarket(int properties, int users, int interactionsPerUser, int seed = 11)
    {
        var generator = new SyntheticMarketGenerator(new SyntheticMarketOptions
        {
            Properties = properties,
            Users = users,
            InteractionsPerUser = interactionsPerUser,
            Seed = seed,
            TenantId = "test",
        });
        return new TwinDataset(generator.Properties, [.. generator.Users.Select(u => u.User)], [.. generator.Interactions()]);
    }
}
