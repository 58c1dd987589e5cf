using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>One broken promise: the request, the answer and which rule it broke.</summary>
public sealed record FuzzFinding(string Kind, FuzzRequest Request, int Status, string? ContentType, string Response)
{
    public string Describe() => $"{Kind}: {Status} {ContentType}\n{Request.Describe()}  response: {Response}";
}

/// <param name="Progress">Where a line is written every 10,000 requests (long runs).</param>
public sealed record FuzzSettings(long Seed, long Requests, int Concurrency = 1, long FirstIndex = 0, int KeepFindings = 200, TextWriter? Progress = null);

/// <summary>What a run did: requests per status and operation, findings (the first <see cref="FuzzSettings.KeepFindings"/> kept).</summary>
public sealed class FuzzReport
{
    public long Requests { get; set; }

    public long Unsendable { get; set; }

    public long StorageChecks { get; set; }

    /// <summary>Rejected requests during which only a still-running workflow's own tables changed (not counted as findings).</summary>
    public long StorageInconclusive { get; set; }

    public TimeSpan Elapsed { get; set; }

    public SortedDictionary<int, long> ByStatus { get; } = [];

    public SortedDictionary<string, long> ByOperation { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> FindingsByKind { get; } = new(StringComparer.Ordinal);

    public List<FuzzFinding> Findings { get; } = [];

    public long FindingCount => FindingsByKind.Values.Sum();

    public string Describe(long seed)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"fuzz seed={seed} requests={Requests} unsendable={Unsendable} storage_checks={StorageChecks} storage_inconclusive={StorageInconclusive} elapsed={Elapsed.TotalSeconds:F1}s " +
            $"rate={Requests / Math.Max(Elapsed.TotalSeconds, 1e-9):F0} req/s findings={FindingCount}\n");
        text.Append("  status: ").AppendJoin(' ', ByStatus.Select(s => $"{s.Key}={s.Value}")).Append('\n');
        foreach (var (kind, count) in FindingsByKind)
        {
            text.Append(CultureInfo.InvariantCulture, $"  finding {kind}: {count}\n");
        }

        foreach (var group in Findings.GroupBy(f => (f.Kind, f.Status, f.Request.Operation.Name)).OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {group.Count()} x {group.Key.Kind} {group.Key.Status} on {group.Key.Name}, e.g. #{group.First().Request.Index}\n");
        }

        return text.ToString();
    }
}

/// <summary>
/// Sends generated requests and checks every answer: no 5xx, every 4xx is <c>application/problem+json</c>, JSON answers parse,
/// no answer to a request outside tenant B shows an id of tenant B it was not given, no request naming tenant B's ids is
/// served for tenant A, and a rejected request changes nothing stored (the target's storage fingerprint before and after).
/// Requests that may store run one at a time; with a concurrency above one, GETs run beside each other unchecked for storage.
/// </summary>
public sealed class FuzzRunner(HttpClient client, FuzzRequestGenerator generator, FuzzTarget? target, string foreignTenant)
{
    private const int MaxBodyRead = 4 << 20;
    private static readonly TimeSpan WorkflowSettleBudget = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _lock = new(1, 1);

    // Per tenant, the marked ids its accepted writes stored as its own (writes run one at a time, so reads after see them all).
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _storedBy = new(StringComparer.Ordinal);

    public async Task<FuzzReport> RunAsync(FuzzSettings settings, CancellationToken cancellationToken)
    {
        var report = new FuzzReport();
        var stopwatch = Stopwatch.StartNew();
        var slots = new SemaphoreSlim(settings.Concurrency);
        var inFlight = new List<Task>();
        string? fingerprint = null;
        for (var index = settings.FirstIndex; index < settings.FirstIndex + settings.Requests; index++)
        {
            if (settings.Progress is { } progress && index > settings.FirstIndex && (index - settings.FirstIndex) % 10_000 == 0)
            {
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {index - settings.FirstIndex} requests in {stopwatch.Elapsed.TotalSeconds:F0} s, {report.FindingCount} findings")).ConfigureAwait(false);
            }

            var request = generator.Generate(settings.Seed, index);
            var checkStorage = target is not null && (settings.Concurrency == 1 || request.Operation.Writes);
            if (!checkStorage)
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await SendAndCheckAsync(request, report, settings, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, cancellationToken));
                fingerprint = null;
                continue;
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            inFlight.Clear();
            fingerprint ??= await target!.StorageFingerprintAsync(cancellationToken).ConfigureAwait(false);
            var status = await SendAndCheckAsync(request, report, settings, cancellationToken).ConfigureAwait(false);
            if (status is >= 200 and < 400 or null)
            {
                // Accepted: what it published is delivered (and workflows it started have run) before the next check starts afresh.
                await target!.SettleAsync(request.Operation.Writes, WorkflowSettleBudget, cancellationToken).ConfigureAwait(false);
                fingerprint = null;
                continue;
            }

            var after = await target!.StorageFingerprintAsync(cancellationToken).ConfigureAwait(false);
            report.StorageChecks++;
            if (after != fingerprint)
            {
                var changed = Difference(fingerprint, after);
                if (changed.All(t => t.StartsWith("workflow_sidecar.", StringComparison.Ordinal)) && await target.WorkflowsRunningAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A workflow an earlier accepted request started is still writing its history: not this request's doing.
                    report.StorageInconclusive++;
                    await target.SettleAsync(workflows: true, WorkflowSettleBudget, cancellationToken).ConfigureAwait(false);
                    after = await target.StorageFingerprintAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await AddAsync(report, settings, new FuzzFinding("stored although rejected", request, status.Value, null, "changed: " + string.Join(' ', changed))).ConfigureAwait(false);
                }
            }

            fingerprint = after;
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        report.Elapsed = stopwatch.Elapsed;
        return report;
    }

    /// <returns>The status, or null when the request could not be sent as generated (a header the client refuses).</returns>
    private async Task<int?> SendAndCheckAsync(FuzzRequest request, FuzzReport report, FuzzSettings settings, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Operation.Method), new Uri(request.RelativeUri, UriKind.Relative));
        // A large body waits for the server's go-ahead, as clients sending large bodies should: a body over the route's limit is
        // then answered 413 before it is sent, instead of the connection closing under a client still writing.
        message.Headers.ExpectContinue = request.Body is { Length: > 64 * 1024 };
        try
        {
            foreach (var (name, value) in request.Credential.Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }

            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (request.ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            await CountAsync(report, request, null).ConfigureAwait(false);
            return null;
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await CountAsync(report, request, 0).ConfigureAwait(false);
            await AddAsync(report, settings, new FuzzFinding("no response", request, 0, null, ex.GetType().Name + ": " + ex.Message)).ConfigureAwait(false);
            return 0;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            byte[] body = [];
            if (mediaType != "text/event-stream")
            {
                body = await ReadCappedAsync(response, cancellationToken).ConfigureAwait(false);
            }

            await CountAsync(report, request, status).ConfigureAwait(false);
            var tenant = request.Credential.Tenant;
            var stored = tenant is null ? null : _storedBy.GetValueOrDefault(tenant)?.Keys;
            foreach (var finding in FuzzChecks.Check(request, status, mediaType, body, foreignTenant, stored))
            {
                await AddAsync(report, settings, finding).ConfigureAwait(false);
            }

            if (tenant is not null && status is >= 200 and < 300 && request.Operation.Writes)
            {
                foreach (var id in FuzzChecks.MarkedIdsSent(request))
                {
                    _storedBy.GetOrAdd(tenant, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[id] = 0;
                }
            }

            return status;
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < MaxBodyRead && (read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async Task CountAsync(FuzzReport report, FuzzRequest request, int? status)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            report.Requests++;
            if (status is { } s)
            {
                report.ByStatus[s] = report.ByStatus.GetValueOrDefault(s) + 1;
            }
            else
            {
                report.Unsendable++;
            }

            report.ByOperation[request.Operation.Name] = report.ByOperation.GetValueOrDefault(request.Operation.Name) + 1;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task AddAsync(FuzzReport report, FuzzSettings settings, FuzzFinding finding)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            report.FindingsByKind[finding.Kind] = report.FindingsByKind.GetValueOrDefault(finding.Kind) + 1;
            if (report.Findings.Count < settings.KeepFindings)
            {
                report.Findings.Add(finding);
                // A long run says what it finds as it finds it (replay: --first N --requests 1).
                if (settings.Progress is { } progress)
                {
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"  finding #{finding.Request.Index}: {finding.Kind} {finding.Status} on {finding.Request.Operation.Name}")).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private static List<string> Difference(string before, string after)
    {
        var old = before.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return after.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => !old.Contains(t)).ToList();
    }

}
