using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>recommend-history</c>: /recommend latency of a user with a long history beside one with a short history, on a running host.</summary>
public static class RecommendHistoryBenchmarkCommand
{
    public static Command Create()
    {
        var url = HostUrlOption.Create("Base address of the host serving the twin API.");
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose users get the posted views.", DefaultValueFactory = _ => "demo" };
        var longHistory = new Option<int>("--long") { Description = "Views posted for the long-history user.", DefaultValueFactory = _ => 10_000 };
        var shortHistory = new Option<int>("--short") { Description = "Views posted for the short-history user.", DefaultValueFactory = _ => 10 };
        var requests = new Option<int>("--requests") { Description = "Measured requests per user (sequential, alternating).", DefaultValueFactory = _ => 2_000 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured requests per user first.", DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { Description = "Seed of the pick of the two users.", DefaultValueFactory = _ => 42 };

        var command = new Command("recommend-history",
            "POST /recommend for a user with --long posted views beside one with --short, alternating on a running host: the cost of a long history.");
        foreach (var option in new Option[] { url, tenant, longHistory, shortHistory, requests, warmup, seed })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            if (await HostUrlOption.ReadAsync(result, url).ConfigureAwait(false) is not { } baseAddress)
            {
                return 2;
            }

            var settings = new RecommendHistorySettings(result.GetValue(tenant)!, result.GetValue(longHistory), result.GetValue(shortHistory),
                result.GetValue(requests), result.GetValue(warmup), result.GetValue(seed));
            if (settings.LongHistory < 1 || settings.ShortHistory < 1 || settings.Requests < 1 || settings.Warmup < 0)
            {
                await Console.Error.WriteLineAsync("--long, --short and --requests must be positive; --warmup not negative.").ConfigureAwait(false);
                return 2;
            }

            using var client = HttpLoadDriver.CreateClient(baseAddress, 1);
            var outcome = await RecommendHistoryBenchmark.RunAsync(client, settings, Console.Out, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(outcome.Describe());
            return 0;
        });
        return command;
    }
}
