using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary><c>recommend-load</c>: drives POST /recommend of a running twin host over HTTP; prints throughput and latency percentiles.</summary>
public static class RecommendLoadBenchmarkCommand
{
    public static Command Create()
    {
        var load = new HttpLoadOptions("Base address of the host serving the twin API.", concurrency: 32, "Requests kept in flight (one connection each).",
            "The tenant's API key (default: the main job's demo key in .platform/demo-tenant-key).");
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose users are recommended for.", DefaultValueFactory = _ => "demo" };
        var topK = new Option<int>("--top-k") { Description = "top_k of each request.", DefaultValueFactory = _ => 10 };
        var filtered = new Option<bool>("--filtered") { Description = "Add a property type + max price filter to every request." };
        var seed = new Option<int>("--seed") { Description = "Seed of the user order.", DefaultValueFactory = _ => 42 };

        var command = new Command("recommend-load", "Load-test POST /recommend of a running host for the tenant's known users: throughput and p50/p90/p99 latency.");
        Option[] options = [load.Url, tenant, .. load.Load, topK, filtered, seed, load.ApiKey];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var recommend = new RecommendLoadSettings(result.GetValue(tenant)!, result.GetValue(topK), result.GetValue(filtered), result.GetValue(seed));
            if (await load.ReadAsync(result, ("--top-k", recommend.TopK >= 1)).ConfigureAwait(false) is not (var baseAddress, var settings))
            {
                return 2;
            }

            using var client = HttpLoadDriver.CreateClient(baseAddress, settings.Concurrency);
            if (load.ApiKeyOrDemoKey(result) is { } key)
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
            }

            return await HttpLoadOptions.ReportAsync(
                await RecommendLoadBenchmark.RunAsync(client, recommend, settings, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        });
        return command;
    }
}
