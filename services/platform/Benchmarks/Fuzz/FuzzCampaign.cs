using System.Text;
using System.Text.Json;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Twin;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>One fuzz run against a <see cref="FuzzTarget"/>: its OpenAPI document read, requests generated for every operation, answers checked.</summary>
public static class FuzzCampaign
{
    /// <summary>Workflow names a start request may name (only with bodies that cannot start one; see the generator).</summary>
    public static readonly IReadOnlyList<string> WorkflowNames = [PlatformRetrainingWorkflow.Name, PriceModelTrainingWorkflow.Name, PortfolioTwinTrainingWorkflow.Name];

    public static async Task<(FuzzReport Report, IReadOnlyList<FuzzOperation> Operations)> RunAsync(
        FuzzTarget target, FuzzSettings settings, Func<FuzzContext, FuzzCredentialShapes>? credentials, CancellationToken cancellationToken)
    {
        using var client = CreateClient(target.BaseAddress, settings.Concurrency);
        var openApi = await client.GetByteArrayAsync(new Uri("openapi/v1.json", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("FUZZ_OPENAPI_DUMP") is { Length: > 0 } dump)
        {
            await File.WriteAllBytesAsync(dump, openApi, cancellationToken).ConfigureAwait(false);
        }

        using var document = JsonDocument.Parse(openApi);
        var operations = OpenApiOperations.Read(document);
        var context = new FuzzContext(target.A.Ids, target.B.Ids, target.AdminKey, WorkflowNames);
        var generator = new FuzzRequestGenerator(document, operations, context, credentials?.Invoke(context));
        var report = await new FuzzRunner(client, generator, target, target.B.TenantId).RunAsync(settings, cancellationToken).ConfigureAwait(false);
        return (report, operations);
    }

    /// <summary>A client that sends what it is given: header values as raw UTF-8, no redirects, no proxy, one connection per worker.</summary>
    public static HttpClient CreateClient(Uri baseAddress, int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = Math.Max(1, concurrency),
        AllowAutoRedirect = false,
        UseProxy = false,
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };
}
