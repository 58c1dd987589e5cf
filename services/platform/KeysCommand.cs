using System.CommandLine;
using System.Globalization;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.MarketData.Postgres;

namespace Platform.Host;

/// <summary>
/// <c>platform keys create --tenant T --scope S... [--expires TIME] | list [--tenant T] | revoke ID</c>: tenant API keys in the
/// platform's database, as the <c>/admin/keys</c> routes manage them. <c>create</c> prints the key once, on standard output only.
/// </summary>
public static class KeysCommand
{
    public static Command Create(Func<CancellationToken, Task<string>> connectionString) => new("keys", "Create, list and revoke tenant API keys.")
    {
        CreateCommand(connectionString),
        ListCommand(connectionString),
        RevokeCommand(connectionString),
    };

    private static Command CreateCommand(Func<CancellationToken, Task<string>> connectionString)
    {
        var tenant = new Option<string>("--tenant") { Description = "The tenant the key acts for.", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"Scopes ({string.Join(", ", PlatformScopes.Tenant)}); repeat or separate by spaces.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var expires = new Option<string?>("--expires") { Description = "Expiry: an ISO 8601 time (2027-01-31T00:00Z) or a duration from now (30d, 12h)." };
        var command = new Command("create", "Create a tenant key; it is printed once and only its hash is stored.") { tenant, scopes, expires };
        command.SetAction(async (result, cancellationToken) =>
        {
            DateTimeOffset? expiresAt = null;
            if (result.GetValue(expires) is { } text)
            {
                if (ParseExpiry(text, DateTimeOffset.UtcNow) is not { } parsed)
                {
                    await result.InvocationConfiguration.Error.WriteLineAsync($"--expires: '{text}' is neither an ISO 8601 time nor a duration such as 30d or 12h.");
                    return 2;
                }

                expiresAt = parsed;
            }

            var request = new ApiKeyEndpoints.CreateKeyRequest(result.GetValue(tenant),
                result.GetValue(scopes)!.SelectMany(s => s.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)).ToList(), expiresAt);
            if (ApiKeyEndpoints.Validate(request, DateTimeOffset.UtcNow) is { } problem)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"{problem.ProblemDetails.Extensions["field"]}: {problem.ProblemDetails.Title} {problem.ProblemDetails.Detail}");
                return 2;
            }

            await using var dataSource = await OpenAsync(connectionString, cancellationToken);
            var created = await new ApiKeyStore(dataSource, TimeProvider.System).CreateAsync(request.TenantId!, request.Scopes!.Distinct().ToList(), expiresAt, cancellationToken);
            await result.InvocationConfiguration.Error.WriteLineAsync($"Created key {created.Record.KeyId} for tenant {created.Record.TenantId} ({string.Join(' ', created.Record.Scopes)})"
                + (expiresAt is { } e ? $", expires {e:u}" : string.Empty) + ". It is shown once; send it as X-Api-Key.");
            result.InvocationConfiguration.Output.WriteLine(created.Key);
            await new PostgresAuditLog(dataSource, TimeProvider.System).RecordAsync(new AuditRecord(AuditIdentity.OfToolUser(), created.Record.TenantId,
                AuditActions.ApiKeyCreate, created.Record.KeyId, AuditOutcome.Succeeded), cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command ListCommand(Func<CancellationToken, Task<string>> connectionString)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's keys." };
        var command = new Command("list", "List tenant keys (ids, scopes, expiry, revocation; never the keys).") { tenant };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var dataSource = await OpenAsync(connectionString, cancellationToken);
            var keys = await new ApiKeyStore(dataSource, TimeProvider.System).ListAsync(result.GetValue(tenant), cancellationToken);
            result.InvocationConfiguration.Output.WriteLine($"{"KEY ID",-16}  {"TENANT",-20}  {"CREATED",-20}  {"EXPIRES",-20}  {"STATUS",-8}  SCOPES");
            var now = DateTimeOffset.UtcNow;
            foreach (var key in keys)
            {
                var status = key.RevokedAt is not null ? "revoked" : key.IsActiveAt(now) ? "active" : "expired";
                result.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{key.KeyId,-16}  {key.TenantId,-20}  {key.CreatedAt:yyyy-MM-dd HH:mm:ss}Z  {(key.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z" : "never"),-20}  {status,-8}  {string.Join(' ', key.Scopes)}"));
            }

            return 0;
        });
        return command;
    }

    private static Command RevokeCommand(Func<CancellationToken, Task<string>> connectionString)
    {
        var id = new Argument<string>("id") { Description = "The key id (as listed)." };
        var command = new Command("revoke", "Revoke a tenant key: refused within Platform:Auth:ApiKeyCacheDuration by every running host.") { id };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var dataSource = await OpenAsync(connectionString, cancellationToken);
            var revoked = await new ApiKeyStore(dataSource, TimeProvider.System).RevokeAsync(result.GetValue(id)!, cancellationToken);
            if (revoked is null)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"No key has the id '{result.GetValue(id)}'.");
                return 1;
            }

            result.InvocationConfiguration.Output.WriteLine($"Revoked key {revoked.KeyId} of tenant {revoked.TenantId} at {revoked.RevokedAt:u}.");
            await new PostgresAuditLog(dataSource, TimeProvider.System).RecordAsync(new AuditRecord(AuditIdentity.OfToolUser(), revoked.TenantId,
                AuditActions.ApiKeyRevoke, revoked.KeyId, AuditOutcome.Succeeded), cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>An ISO 8601 time, or a duration from <paramref name="now"/> in days (d) or hours (h).</summary>
    public static DateTimeOffset? ParseExpiry(string text, DateTimeOffset now)
    {
        if (text.Length > 1 && char.ToLowerInvariant(text[^1]) is 'd' or 'h'
            && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0 && amount < 36_500)
        {
            return char.ToLowerInvariant(text[^1]) == 'd' ? now.AddDays(amount) : now.AddHours(amount);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    private static async Task<NpgsqlDataSource> OpenAsync(Func<CancellationToken, Task<string>> connectionString, CancellationToken cancellationToken)
    {
        var database = await connectionString(cancellationToken);
        await PlatformDatabase.MigrateAsOwnerAsync(database, cancellationToken);
        return NpgsqlDataSource.Create(database);
    }
}
