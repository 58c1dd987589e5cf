using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.Testing;

namespace Platform.BuildingBlocks.Tests.Audit;

/// <summary>The audit log's PostgreSQL adapter on the migrated platform schema: what it stores, how it filters and pages, and that nobody can rewrite it.</summary>
public sealed class PostgresAuditLogTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_entry_is_stored_with_the_clock_s_time_and_read_back_as_recorded()
    {
        var time = new FakeTimeProvider(Start);
        var log = new PostgresAuditLog(database.DataSource, time);

        var recorded = await log.RecordAsync(new AuditRecord("key:k1", "stored-acme", AuditActions.IndexRebuild, "stored-acme", AuditOutcome.Succeeded, 200,
            new Dictionary<string, object?> { ["indexed"] = 42 }));

        var page = await log.QueryAsync(new AuditQuery(TenantId: "stored-acme"));
        var entry = Assert.Single(page.Entries);
        Assert.Equal(recorded.Id, entry.Id);
        Assert.Equal(Start, entry.OccurredAt);
        Assert.Equal(("key:k1", "stored-acme", AuditActions.IndexRebuild, "stored-acme", AuditOutcome.Succeeded, 200),
            (entry.Identity, entry.TenantId, entry.Action, entry.Target, entry.Outcome, entry.StatusCode));
        Assert.Equal(42, entry.Detail!.Value.GetProperty("indexed").GetInt32());
        Assert.Null(page.NextBefore);
    }

    [Fact]
    public async Task Filters_select_by_tenant_action_family_and_time_and_pages_run_newest_first_without_gaps()
    {
        var time = new FakeTimeProvider(Start);
        var log = new PostgresAuditLog(database.DataSource, time);
        var ids = new List<long>();
        foreach (var (tenant, action) in new[]
        {
            ((string?)"filter-a", AuditActions.WorkflowStart), (null, AuditActions.RegistryAliasSet), ("filter-a", AuditActions.WorkflowTerminate),
            ("filter-b", AuditActions.WorkflowStart), ("filter-a", AuditActions.IndexRebuild),
        })
        {
            ids.Add((await log.RecordAsync(new AuditRecord("admin", tenant, action, "t-" + ids.Count, AuditOutcome.Succeeded))).Id);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var tenantA = await log.QueryAsync(new AuditQuery(TenantId: "filter-a"));
        Assert.Equal([ids[4], ids[2], ids[0]], tenantA.Entries.Select(e => e.Id));

        // 'workflow' selects the family; 'workflow.start' only itself; a mere prefix of a word selects nothing.
        var workflowsOfA = await log.QueryAsync(new AuditQuery(TenantId: "filter-a", Action: "workflow"));
        Assert.Equal([ids[2], ids[0]], workflowsOfA.Entries.Select(e => e.Id));
        Assert.Equal([ids[3], ids[0]], (await log.QueryAsync(new AuditQuery(Action: AuditActions.WorkflowStart, Since: Start))).Entries.Select(e => e.Id));
        Assert.Empty((await log.QueryAsync(new AuditQuery(TenantId: "filter-a", Action: "work"))).Entries);

        var recent = await log.QueryAsync(new AuditQuery(Since: Start.AddMinutes(3)));
        Assert.Equal([ids[4], ids[3]], recent.Entries.Where(e => ids.Contains(e.Id)).Select(e => e.Id));

        var first = await log.QueryAsync(new AuditQuery(TenantId: "filter-a", Limit: 2));
        Assert.Equal([ids[4], ids[2]], first.Entries.Select(e => e.Id));
        Assert.Equal(ids[2], first.NextBefore);
        var second = await log.QueryAsync(new AuditQuery(TenantId: "filter-a", Before: first.NextBefore, Limit: 2));
        Assert.Equal([ids[0]], second.Entries.Select(e => e.Id));
        Assert.Null(second.NextBefore);
    }

    [Fact]
    public async Task Hostile_text_is_stored_cleaned_and_bounded_instead_of_failing_the_record()
    {
        var log = new PostgresAuditLog(database.DataSource, TimeProvider.System);

        var entry = await log.RecordAsync(new AuditRecord("eve\0\n", "bad tenant\n", AuditActions.WorkflowPurge,
            "id\u0000with\nnul\ud800" + new string('x', 2_000), AuditOutcome.Rejected, 400));

        var stored = Assert.Single((await log.QueryAsync(new AuditQuery(Action: AuditActions.WorkflowPurge))).Entries, e => e.Id == entry.Id);
        Assert.Equal("eve\uFFFD\uFFFD", stored.Identity);
        Assert.Null(stored.TenantId);
        Assert.StartsWith("id\uFFFDwith\uFFFDnul\uFFFDxxx", stored.Target, StringComparison.Ordinal);
        Assert.Equal(AuditText.MaxTargetLength, stored.Target.Length);
        Assert.Equal(AuditIdentity.Anonymous, (await log.RecordAsync(new AuditRecord("", null, AuditActions.ChaosClear, "ports", AuditOutcome.Succeeded))).Identity);
        await Assert.ThrowsAsync<ArgumentException>(() => log.RecordAsync(new AuditRecord("admin", null, "Drop Table", "x", AuditOutcome.Succeeded)));
        Assert.Equal("cli:" + Environment.UserName, AuditIdentity.OfToolUser());
    }

    [Theory]
    [InlineData("UPDATE audit_log SET identity = 'someone else'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    public async Task The_log_is_append_only_even_for_its_owner(string rewrite)
    {
        var log = new PostgresAuditLog(database.DataSource, TimeProvider.System);
        await log.RecordAsync(new AuditRecord("admin", null, AuditActions.ChaosSet, "ports", AuditOutcome.Succeeded));

        await using var command = database.DataSource.CreateCommand(rewrite);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writer_role_may_append_and_read_but_holds_no_right_to_change_or_remove()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var become = new NpgsqlCommand("SET ROLE platform_audit_writer", connection))
        {
            await become.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO audit_log (occurred_at, identity, action, target, outcome) VALUES (now(), 'role-test', 'chaos.clear', 'ports', 'succeeded')", connection))
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using (var select = new NpgsqlCommand("SELECT count(*) FROM audit_log WHERE identity = 'role-test'", connection))
        {
            Assert.Equal(1L, await select.ExecuteScalarAsync());
        }

        // Refused by privilege, before the triggers are reached: the role simply has no such right.
        foreach (var privilege in new[] { "UPDATE", "DELETE", "TRUNCATE" })
        {
            await using var has = new NpgsqlCommand($"SELECT has_table_privilege('platform_audit_writer', 'audit_log', '{privilege}')", connection);
            Assert.False((bool)(await has.ExecuteScalarAsync())!, privilege);
        }

        await using var update = new NpgsqlCommand("UPDATE audit_log SET target = 'x'", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Contains("permission denied", refused.MessageText, StringComparison.Ordinal);
    }
}
