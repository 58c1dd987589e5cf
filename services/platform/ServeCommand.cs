using System.CommandLine;

namespace Platform.Host;

/// <summary><c>platform serve</c>: every service in one process on the embedded building blocks.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var command = new Command("serve", "Run every API (valuation, portfolio twin, workflow management) on one port.") { urls };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = PlatformHost.Build([.. result.UnmatchedTokens, "--urls", result.GetValue(urls)!]);
            await app.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
