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
}
