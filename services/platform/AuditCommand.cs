using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.MarketData.Postgres;

namespace Platform.Host;

/// <summary>
/// <c>platform audit [--tenant T] [--action A] [--since TIME] [--limit N] [--before ID] [--json]</c>: the audit log, newest first,
/// read from the platform database itself rather than through the API, so an operator can still read it when the host is
/// down (which is when it is most wanted). The filters follow the same rules as <c>GET /admin/audit</c>.
/// </summary>
public static class AuditCommand
{
    public static Command Create(Func<CancellationToken, Task<string>> connectionString, TextWriter output, TextWriter error)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only actions for this tenant." };
        var action = new Option<string?>("--action") { Description = "Only this action or those below it (e.g. workflow, workflow.start, registry.alias.set)." };
        var since = new Option<string?>("--since") { Description = "Only actions at or after this ISO 8601 time (UTC unless an offset is given)." };
        var limit = new Option<string?>("--limit") { Description = $"How many entries (1-{AuditQuery.MaxLimit}, default {AuditQuery.DefaultLimit})." };
        var before = new Option<string?>("--before") { Description = "Page cursor: entries older than this id (the 'next page' line names it)." };
        var json = new Option<bool>("--json") { Description = "Print the page as the route's JSON instead of a table." };
        var command = new Command("audit", "Lists the audit log: who did which admin or write action, for which tenant, when, and how it ended.")
        {
            tenant, action, since, limit, before, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (query, field, problem) = AuditEndpoints.ParseQuery(
                result.GetValue(tenant), result.GetValue(action), result.GetValue(since), result.GetValue(limit), result.GetValue(before));
            if (query is null)
            {
                await error.WriteLineAsync($"error: --{field}: {problem}");
                return 1;
            }

            var database = await connectionString(cancellationToken);
            await PlatformDatabase.MigrateAsOwnerAsync(database, cancellationToken);
            await using var dataSource = NpgsqlDataSource.Create(database);
            var page = await new PostgresAuditLog(dataSource, TimeProvider.System).QueryAsync(query, cancellationToken);
            if (result.GetValue(json))
            {
                var body = new AuditPageResponse([.. page.Entries.Select(AuditEntryResponse.From)], page.NextBefore);
                await output.WriteLineAsync(JsonSerializer.Serialize(body, WireJson.Options));
                return 0;
            }

            await WriteTableAsync(output, page);
            return 0;
        });
        return command;
    }

    private static async Task WriteTableAsync(TextWriter output, AuditPage page)
    {
        if (page.Entries.Count == 0)
        {
            await output.WriteLineAsync("No audit entries match.");
            return;
        }

        string[] header = ["ID", "TIME (UTC)", "IDENTITY", "TENANT", "ACTION", "TARGET", "OUTCOME"];
        var rows = page.Entries.Select(e => new[]
        {
            e.Id.ToString(CultureInfo.InvariantCulture),
            e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            e.Identity,
            e.TenantId ?? "-",
            e.Action,
            e.Target.Length == 0 ? "-" : e.Target,
            e.StatusCode is { } status ? $"{PostgresAuditLog.OutcomeName(e.Outcome)} ({status})" : PostgresAuditLog.OutcomeName(e.Outcome),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).Zip(header, (w, h) => Math.Max(w, h.Length)).ToArray();
        await output.WriteLineAsync(Format(header, widths));
        foreach (var row in rows)
        {
            await output.WriteLineAsync(Format(row, widths));
        }

        if (page.NextBefore is { } next)
        {
            await output.WriteLineAsync($"next page: --before {next.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static string Format(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, c) => c == cells.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd();
}
