using System.CommandLine;

namespace Platform.Host.Benchmarks;

/// <summary>The <c>--url</c> of a benchmark that drives a running host.</summary>
internal static class HostUrlOption
{
    public static Option<string> Create(string description) => new("--url")
    {
        Description = description,
        DefaultValueFactory = _ => "http://127.0.0.1:5080/",
    };

    /// <summary>The address, or null after saying on stderr why it is not an absolute http(s) address.</summary>
    public static Task<Uri?> ReadAsync(ParseResult result, Option<string> url) => ParseAsync(result.GetValue(url), url.Name);

    /// <summary>The address in <paramref name="text"/>, or null after saying on stderr that option <paramref name="name"/> is not one.</summary>
    public static async Task<Uri?> ParseAsync(string? text, string name)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var baseAddress) && baseAddress.Scheme is "http" or "https")
        {
            return baseAddress;
        }

        await Console.Error.WriteLineAsync($"{name}: '{text}' is not an absolute http(s) address.").ConfigureAwait(false);
        return null;
    }
}

/// <summary>
/// The options of the HTTP load verbs (<c>estimate-load</c>, <c>recommend-load</c>): the host, how long and how hard to drive
/// it (<see cref="HttpLoadSettings"/>) and the tenant key; the verb adds what its requests carry.
/// </summary>
internal sealed class HttpLoadOptions
{
    private readonly Option<string> _url;
    private readonly Option<double> _duration = new("--duration") { Description = "Seconds to measure (after --warmup).", DefaultValueFactory = _ => 10 };
    private readonly Option<double> _warmup = new("--warmup") { Description = "Seconds of unmeasured load first.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _concurrency;
    private readonly Option<double> _rate = new("--rate") { Description = "Target requests per second (0 = as fast as possible).", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _apiKey;

    public HttpLoadOptions(string urlDescription, int concurrency, string concurrencyDescription, string apiKeyDescription)
    {
        _url = HostUrlOption.Create(urlDescription);
        _concurrency = new Option<int>("--concurrency") { Description = concurrencyDescription, DefaultValueFactory = _ => concurrency };
        _apiKey = new Option<string?>("--api-key") { Description = apiKeyDescription };
    }

    public Option<string> Url => _url;

    public Option<string?> ApiKey => _apiKey;

    public IEnumerable<Option> Load => [_duration, _warmup, _concurrency, _rate];

    /// <summary>
    /// The host and the load, or null after saying on stderr what is wrong; <paramref name="positiveToo"/> names the verb's own
    /// options that must be positive, with whether they are.
    /// </summary>
    public async Task<(Uri BaseAddress, HttpLoadSettings Load)?> ReadAsync(ParseResult result, params (string Name, bool Positive)[] positiveToo)
    {
        var load = new HttpLoadSettings(
            TimeSpan.FromSeconds(result.GetValue(_duration)),
            result.GetValue(_concurrency),
            result.GetValue(_rate),
            TimeSpan.FromSeconds(result.GetValue(_warmup)));
        if (await HostUrlOption.ReadAsync(result, _url).ConfigureAwait(false) is not { } baseAddress)
        {
            return null;
        }

        if (load.Duration <= TimeSpan.Zero || load.Concurrency < 1 || load.RequestsPerSecond < 0 || positiveToo.Any(o => !o.Positive))
        {
            var positive = new[] { "--duration", "--concurrency" }.Concat(positiveToo.Select(o => o.Name)).ToArray();
            await Console.Error.WriteLineAsync(
                $"{string.Join(", ", positive[..^1])} and {positive[^1]} must be positive; --rate must not be negative.").ConfigureAwait(false);
            return null;
        }

        return (baseAddress, load);
    }

    /// <summary>--api-key, else the main job's demo tenant key (<c>.platform/demo-tenant-key</c>) where there is one.</summary>
    public string? ApiKeyOrDemoKey(ParseResult result) =>
        result.GetValue(_apiKey) ?? DemoTenantKeyService.Read(LocalDataFolder.Locate(Environment.CurrentDirectory));

    /// <summary>Prints a run's line (and its first error on stderr); the exit code: 0 without errors, else 1.</summary>
    public static async Task<int> ReportAsync(HttpLoadResult outcome)
    {
        Console.WriteLine(outcome.Describe());
        if (outcome.FirstError is not null)
        {
            await Console.Error.WriteLineAsync($"first error: {outcome.FirstError}").ConfigureAwait(false);
        }

        return outcome.Errors == 0 ? 0 : 1;
    }
}

/// <summary>
/// The options of the in-process twin benchmarks (<c>recommend</c>, <c>reindex</c>) that say which synthetic market is loaded
/// where (<see cref="BenchmarkMarketSettings"/>).
/// </summary>
internal sealed class BenchmarkMarketOptions(string propertiesDescription, string seedDescription, string tenant)
{
    private readonly Option<string?> _connectionString = new("--connection-string")
    {
        Description = "PostgreSQL connection string (default: the platform's: ConnectionStrings__Postgres, PLATFORM_POSTGRES or the local cluster). The tenant's data is replaced.",
    };

    private readonly Option<int> _properties = new("--properties") { Description = propertiesDescription, DefaultValueFactory = _ => 100_000 };
    private readonly Option<int> _users = new("--users") { Description = "Users in the synthetic market.", DefaultValueFactory = _ => 200 };
    private readonly Option<int> _seed = new("--seed") { Description = seedDescription, DefaultValueFactory = _ => 42 };
    private readonly Option<string> _tenant = new("--tenant") { Description = "Tenant the market is loaded into (replaced).", DefaultValueFactory = _ => tenant };

    public Option<string?> ConnectionString => _connectionString;

    public Option<int> Properties => _properties;

    public Option<int> Users => _users;

    public Option<int> Seed => _seed;

    public Option<string> Tenant => _tenant;

    /// <summary>
    /// The market, or null after saying on stderr what is wrong (no PostgreSQL, or a market too small); the connection string
    /// is asked of the platform only when --connection-string is not given.
    /// </summary>
    public async Task<BenchmarkMarketSettings?> ReadAsync(
        ParseResult result, string modelName, Func<CancellationToken, Task<string>> platformConnectionString, CancellationToken cancellationToken)
    {
        var connection = result.GetValue(_connectionString) ?? await platformConnectionString(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(connection))
        {
            await Console.Error.WriteLineAsync("No PostgreSQL: pass --connection-string or set PLATFORM_POSTGRES.").ConfigureAwait(false);
            return null;
        }

        var market = new BenchmarkMarketSettings(connection, result.GetValue(_tenant)!, modelName,
            Properties: result.GetValue(_properties), Users: result.GetValue(_users), Seed: result.GetValue(_seed));
        if (market.Properties < 100 || market.Users < 2)
        {
            await Console.Error.WriteLineAsync("--properties must be at least 100, --users at least 2.").ConfigureAwait(false);
            return null;
        }

        return market;
    }
}
