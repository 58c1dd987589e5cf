using System.CommandLine;
using Platform.BuildingBlocks.Hosting;

namespace Platform.Host;

/// <summary><c>platform serve</c>: every service in one process on the embedded building blocks.</summary>
public static class ServeCommand
{
    public static Command Create(string dataFolder)
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => DefaultUrls(Environment.GetEnvironmentVariable) };
        var command = new Command("serve", "Run every API (valuation, portfolio twin, workflow management) on one port.") { urls };
        // Configuration keys pass through to the host (e.g. --ConnectionStrings:Postgres=... or --Platform:Demo:Enabled=false).
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            string[] args = [.. result.UnmatchedTokens, "--urls", result.GetValue(urls)!];
            // The host reads the same keys; without a configured database it gets the local cluster's.
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
            if (PlatformBuildingBlocksExtensions.ResolveConnectionString(configuration) is null)
            {
                var local = await new LocalDatabase(configuration, dataFolder, Console.Out).ConnectionStringAsync(cancellationToken);
                args = [.. args, $"--ConnectionStrings:{PlatformBuildingBlocksExtensions.ConnectionStringName}={local}"];
                if (Environment.GetEnvironmentVariable(PlatformBuildingBlocksExtensions.OwnerConnectionStringEnvironmentVariable) is { Length: > 0 } owner)
                {
                    args = [.. args, $"--ConnectionStrings:{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}={owner}"];
                }
            }

            var app = PlatformHost.Build(args, dataFolder);
            await app.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Loopback only, unless the environment names the port as ASP.NET Core's own variables do (<c>ASPNETCORE_URLS</c>, or
    /// <c>ASPNETCORE_HTTP_PORTS</c> on every interface): the container image sets the port that way for every host it runs.
    /// </summary>
    public static string DefaultUrls(Func<string, string?> environment) =>
        environment("ASPNETCORE_URLS") is { Length: > 0 } configured ? configured
        : environment("ASPNETCORE_HTTP_PORTS") is { Length: > 0 } ports
            ? string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://+:{p}"))
            : "http://127.0.0.1:5080";
}
