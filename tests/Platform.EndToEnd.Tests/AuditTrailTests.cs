using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The all-in-one host records its admin and write actions (alias moves, reload, chaos, key create and revoke, index rebuild) in
/// the audit log of its database,
/// serves them on <c>GET /admin/audit</c> to admins only, and <c>platform audit</c> lists the same entries from the database.
/// </summary>
public sealed class AuditTrailTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Admin_actions_are_recorded_and_read_back_by_the_route_and_the_cli_verb()
    {
        var workspace = Directory.CreateTempSubdirectory("platform-audit-");
        try
        {
            var url = $"http://127.0.0.1:{Loopback.FreePort()}";
            var keyFile = Path.Combine(workspace.FullName, "api-key");
            await using var app = PlatformHost.Build(AllInOneHostArguments.For(url, database.ConnectionString, workspace.FullName,
                "--Platform:Demo:Enabled=false",
                "--Platform:Chaos:Enabled=true",
                "--Platform:Auth:AllowTenantHeader=true"));
            await app.StartAsync();
            var registry = app.Services.GetRequiredService<ModelRegistry>();
            using var file = new MemoryStream([1, 2, 3]);
            var twin = await registry.RegisterAsync("audit-acme", ModelNames.Twin, file, new Dictionary<string, double>(), new ModelLineage("sha256:abc", new Dictionary<string, string>(), "test"));
            using var anonymous = new HttpClient { BaseAddress = new Uri(url) };
            using var admin = new HttpClient { BaseAddress = new Uri(url) };
            admin.DefaultRequestHeaders.Add("X-Api-Key", LocalApiKey.LoadOrCreate(keyFile));
            // The tenant whose models the admin operates (alias moves, reload); routes of no tenant ignore it.
            admin.DefaultRequestHeaders.Add("X-Tenant-Id", "audit-acme");

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/challenger", new { version = twin.Version })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/challenger", new { version = twin.Version })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/champion", new { version = 99 })).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await admin.PostAsync("/admin/reload", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/admin/chaos", new { ports = new Dictionary<string, object> { ["pubsub"] = new { latency_rate = 0.0 } } })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/admin/chaos")).StatusCode);
            using var createdKey = await admin.PostAsJsonAsync("/admin/keys", new { tenant_id = "audit-acme", scopes = new[] { PlatformScopes.TwinRead } });
            Assert.Equal(HttpStatusCode.Created, createdKey.StatusCode);
            var created = await createdKey.Content.ReadFromJsonAsync<JsonElement>();
            var keyId = created.GetProperty("key_id").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/keys/{keyId}")).StatusCode);
            // A tenant action: in development mode the header alone acts for the tenant (the admin key has none).
            using var developer = new HttpClient { BaseAddress = new Uri(url) };
            developer.DefaultRequestHeaders.Add("X-Tenant-Id", "audit-acme");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await developer.PostAsync("/index/rebuild", null)).StatusCode);

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(AuditEndpoints.Route)).StatusCode);
            var page = await admin.GetFromJsonAsync<JsonElement>(AuditEndpoints.Route);
            var entries = page.GetProperty("entries").EnumerateArray().Reverse().ToList();
            Assert.Equal(
                [
                    (AuditActions.RegistryAliasSet, $"{ModelNames.Twin}/challenger", "succeeded", 200),
                    (AuditActions.RegistryAliasSet, $"{ModelNames.Twin}/champion", "rejected", 404),
                    (AuditActions.ModelReload, ModelNames.Price, "failed", 503),
                    (AuditActions.ChaosSet, "ports", "succeeded", 200),
                    (AuditActions.ChaosClear, "ports", "succeeded", 200),
                    (AuditActions.ApiKeyCreate, keyId, "succeeded", 201),
                    (AuditActions.ApiKeyRevoke, keyId, "succeeded", 200),
                    (AuditActions.IndexRebuild, "audit-acme", "failed", 503),
                ],
                entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("target").GetString(), e.GetProperty("outcome").GetString(),
                    e.GetProperty("status_code").GetInt32())));
            Assert.All(entries.Take(7), e => Assert.Equal(PlatformCredentials.AdminIdentity, e.GetProperty("identity").GetString()));
            Assert.NotEqual(AuditIdentity.Anonymous, entries[7].GetProperty("identity").GetString());
            var keyDetail = entries[5].GetProperty("detail");
            Assert.Equal("audit-acme", keyDetail.GetProperty("tenant_id").GetString());
            Assert.DoesNotContain(created.GetProperty("key").GetString()!, entries[5].GetRawText(), StringComparison.Ordinal);
            Assert.Equal(twin.Version, entries[0].GetProperty("detail").GetProperty("version").GetInt32());
            Assert.Equal(["pubsub"], entries[3].GetProperty("detail").GetProperty("ports").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal("audit-acme", entries[7].GetProperty("tenant_id").GetString());
            // The admin acted on audit-acme's models (alias moves, reload); chaos and keys are platform-wide.
            Assert.All(entries.Take(3), e => Assert.Equal("audit-acme", e.GetProperty("tenant_id").GetString()));
            Assert.All(entries.Skip(3).Take(4), e => Assert.False(e.TryGetProperty("tenant_id", out _)));

            var registryOnly = await admin.GetFromJsonAsync<JsonElement>($"{AuditEndpoints.Route}?action=registry&limit=1");
            Assert.Equal($"{ModelNames.Twin}/champion", Assert.Single(registryOnly.GetProperty("entries").EnumerateArray()).GetProperty("target").GetString());
            Assert.Equal(entries[1].GetProperty("id").GetInt64(), registryOnly.GetProperty("next_before").GetInt64());
            await app.StopAsync();

            // The verb reads the database, so it works with the host stopped.
            var (exitCode, output, _) = await RunVerbAsync("--action", "chaos");
            Assert.Equal(0, exitCode);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
            Assert.Contains("chaos.clear", lines[1], StringComparison.Ordinal);
            Assert.Contains("chaos.set", lines[2], StringComparison.Ordinal);
            Assert.Contains("succeeded (200)", lines[2], StringComparison.Ordinal);

            var (jsonExit, json, _) = await RunVerbAsync("--tenant", "audit-acme", "--json");
            Assert.Equal(0, jsonExit);
            // The tenant's own index rebuild and the admin's operations on its models (two alias moves, a reload), newest first.
            var forTenant = JsonDocument.Parse(json).RootElement.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal([AuditActions.IndexRebuild, AuditActions.ModelReload, AuditActions.RegistryAliasSet, AuditActions.RegistryAliasSet],
                forTenant.Select(e => e.GetProperty("action").GetString()));
            var listed = forTenant[0];

            var (pagedExit, paged, _) = await RunVerbAsync("--limit", "2");
            Assert.Equal(0, pagedExit);
            Assert.Contains($"next page: --before {entries[6].GetProperty("id").GetInt64()}", paged, StringComparison.Ordinal);

            var (badExit, _, error) = await RunVerbAsync("--since", "last tuesday");
            Assert.Equal(1, badExit);
            Assert.StartsWith("error: --since:", error, StringComparison.Ordinal);
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_platform_tool_has_the_audit_verb()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Postgres", database.ConnectionString)]).Build();
        var tool = PlatformCommandLine.Create(configuration, Path.Combine(Path.GetTempPath(), "platform-audit-verb"));

        var verb = Assert.Single(tool.Subcommands, c => c.Name == "audit");
        Assert.Equal(["--tenant", "--action", "--since", "--limit", "--before", "--json"], verb.Options.Select(o => o.Name));
    }

    private async Task<(int ExitCode, string Output, string Error)> RunVerbAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var verb = AuditCommand.Create(_ => Task.FromResult(database.ConnectionString), output, error);
        var exitCode = await verb.Parse(args).InvokeAsync();
        return (exitCode, output.ToString(), error.ToString());
    }
}

/// <summary><c>platform keys create|revoke</c> record their action in the audit log as the tool's user (own database: no other entries).</summary>
public sealed class AuditedKeysCommandTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_keys_verbs_record_create_and_revoke_as_the_tool_user()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Postgres", database.ConnectionString)]).Build();
        var workspace = Directory.CreateTempSubdirectory("platform-audit-keys-");
        try
        {
            using var output = new StringWriter();
            var tool = PlatformCommandLine.Create(configuration, workspace.FullName);
            var invocation = new System.CommandLine.InvocationConfiguration { Output = output, Error = output };
            Assert.Equal(0, await tool.Parse(["keys", "create", "--tenant", "audit-cli", "--scope", PlatformScopes.TwinRead]).InvokeAsync(invocation));

            await using var dataSource = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
            var log = new PostgresAuditLog(dataSource, TimeProvider.System);
            var create = Assert.Single((await log.QueryAsync(new AuditQuery(TenantId: "audit-cli"))).Entries);
            Assert.Equal((AuditActions.ApiKeyCreate, AuditIdentity.OfToolUser()), (create.Action, create.Identity));
            Assert.Equal(0, await tool.Parse(["keys", "revoke", create.Target]).InvokeAsync(invocation));
            var revoke = (await log.QueryAsync(new AuditQuery(TenantId: "audit-cli"))).Entries[0];
            Assert.Equal((AuditActions.ApiKeyRevoke, create.Target), (revoke.Action, revoke.Target));
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }
}
