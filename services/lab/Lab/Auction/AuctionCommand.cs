using System.CommandLine;
using System.Globalization;
using Platform.Lab.Scenarios;

namespace Platform.Lab.Auction;

/// <summary><c>platform lab auction [--url] [--lots N] [--bias -10,0,10] [--width 0.5,1,2]</c>.</summary>
public static class AuctionCommand
{
    public static Command Create(Func<string?> defaultApiKey, Func<string, string?> defaultTenantKey)
    {
        var url = LabCommand.UrlOption();
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose model estimates the lots.", DefaultValueFactory = _ => "demo" };
        var lots = new Option<int>("--lots") { Description = "Active listings to auction.", DefaultValueFactory = _ => 60 };
        var perPersona = new Option<int>("--bidders-per-persona") { DefaultValueFactory = _ => 2 };
        var biases = new Option<string>("--bias") { Description = "Injected model biases in percent.", DefaultValueFactory = _ => "-10,0,10" };
        var widths = new Option<string>("--width") { Description = "Interval width factors.", DefaultValueFactory = _ => "0.5,1,2" };
        var seed = new Option<int>("--seed") { Description = "Seed of the market (the platform tenant's) and of the bidders.", DefaultValueFactory = _ => 7 };
        var properties = new Option<int>("--market-properties") { Description = "Size of the lab's market copy.", DefaultValueFactory = _ => 400 };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Report folder (default: lab-reports/auction)." };
        var command = new Command("auction", "Bid simulation: personas bid on synthetic listings using the platform's estimates; sealed and ascending.")
        {
            url, tenant, lots, perPersona, biases, widths, seed, properties, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var spec = new AuctionSpec
            {
                Lots = result.GetValue(lots),
                BiddersPerPersona = result.GetValue(perPersona),
                Biases = Numbers(result.GetValue(biases)!).Select(b => b / 100).ToList(),
                Widths = Numbers(result.GetValue(widths)!),
                Seed = result.GetValue(seed) + 4,
            };
            using var client = new PlatformClient(result.GetValue(url)!, result.GetValue(tenant)!, defaultApiKey(), tenantKey: defaultTenantKey(result.GetValue(tenant)!));
            var market = new MarketSpec { Seed = result.GetValue(seed), Properties = result.GetValue(properties), Users = 1 };
            var folder = result.GetValue(output)?.FullName ?? Path.Combine("lab-reports", "auction");
            var report = await new AuctionRunner(client, market, result.GetValue(tenant)!, Console.Out).RunAsync(spec, folder, cancellationToken);
            foreach (var check in report.Checks)
            {
                Console.WriteLine($"{(check.Passed ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
            }

            Console.WriteLine($"report in {Path.Combine(folder, "auction.md")}");
            return report.Passed ? 0 : 1;
        });
        return command;
    }

    private static List<double> Numbers(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
}
