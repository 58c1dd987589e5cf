using System.CommandLine;

namespace Platform.Host;

/// <summary>The <c>platform</c> tool: the all-in-one host and the verbs that generate, import, train and benchmark.</summary>
public static class PlatformCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Property intelligence platform: valuation, portfolio twin and training workflow in one process.")
        {
            ServeCommand.Create(),
        };
        return root;
    }

    /// <summary>Verbs that work on the platform's PostgreSQL (the rest read and write files only).</summary>
    public static bool NeedsDatabase(IReadOnlyList<string> args) =>
        args.Count > 0 && args[0] switch
        {
            "serve" or "import" => true,
            "generate" => !args.Contains("--no-db") && !args.Contains("--connection-string"),
            "train" => args.Count > 1 && args[1] == "twin",
            _ => false,
        };
}
