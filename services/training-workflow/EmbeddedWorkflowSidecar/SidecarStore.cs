using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>An instance's row as clients see it.</summary>
internal sealed record InstanceRow(
    string InstanceId,
    string ExecutionId,
    string Name,
    string? Version,
    OrchestrationStatus Status,
    string? Input,
    string? Output,
    string? CustomStatus,
    TaskFailureDetails? Failure,
    string? ParentInstanceId,
    IReadOnlyDictionary<string, string> Tags,
    DateTime CreatedAt,
    DateTime LastUpdatedAt,
    DateTime? ScheduledStartAt,
    DateTime? StartedAt,
    DateTime? CompletedAt)
{
    public bool IsFinished => WorkflowStatuses.IsFinished(Status);
}

internal sealed record InboxRow(long Id, short Kind, HistoryEvent Event);

/// <summary>An instance whose lease this sidecar just took, with its visible inbox.</summary>
internal sealed record ClaimedInstance(
    string InstanceId,
    string ExecutionId,
    string Name,
    OrchestrationStatus Status,
    int HistoryLength,
    string? ParentInstanceId,
    bool Started,
    List<InboxRow> Inbox);

internal sealed record ClaimedActivity(long Id, ActivityRequest Request);

/// <summary>A written turn: the activities it created (leased to this sidecar) and whether the inbox holds more.</summary>
internal sealed record CommittedTurn(long[] ActivityIds, bool MoreInbox);

/// <summary>A message for some instance's inbox written by a turn, with the condition under which it is delivered.</summary>
/// <param name="ConditionInstanceId">With <see cref="DeliveryCondition.ChildIdTaken"/>: the child whose creation is checked.</param>
/// <param name="ConditionExecutionId">With <see cref="DeliveryCondition.ChildIdTaken"/>: the execution the child would have had.</param>
internal sealed record OutgoingMessage(
    string TargetInstanceId, string? ExecutionId, short Kind, DateTime VisibleAt, HistoryEvent Event, DeliveryCondition Condition,
    string? ConditionInstanceId = null, string? ConditionExecutionId = null);

internal enum DeliveryCondition : short
{
    /// <summary>Always (the instance's own timers, its next execution's start).</summary>
    Always = 0,

    /// <summary>Only while the target is not finished (events sent to other instances, terminate requests).</summary>
    TargetActive = 1,

    /// <summary>Only while the target runs exactly <see cref="OutgoingMessage.ExecutionId"/> (results for a parent, a child's start).</summary>
    ExecutionMatches = 2,

    /// <summary>
    /// Only when the instance <see cref="OutgoingMessage.ConditionInstanceId"/> exists under another execution than
    /// <see cref="OutgoingMessage.ConditionExecutionId"/>: the child's creation in the same commit found its id taken.
    /// </summary>
    ChildIdTaken = 3,
}

internal sealed record NewActivity(int TaskId, string Name, ActivityRequest Request);

internal sealed record NewInstance(string InstanceId, string ExecutionId, string Name, string? Version, string? Input, string? ParentInstanceId);

/// <summary>Everything one workflow turn changes, written in one transaction.</summary>
internal sealed class TurnCommit
{
    public required string InstanceId { get; init; }
    public required string ExecutionId { get; init; }
    public required int HistoryBase { get; init; }
    public List<HistoryEvent> AppendHistory { get; } = [];
    public List<long> ConsumedInbox { get; } = [];
    public List<NewActivity> Activities { get; } = [];
    public List<NewInstance> Children { get; } = [];
    public List<OutgoingMessage> Messages { get; } = [];
    public OrchestrationStatus Status { get; set; }
    public bool SetCustomStatus { get; set; }
    public string? CustomStatus { get; set; }
    public string? Output { get; set; }

    /// <summary>Continue-as-new: the next execution's input.</summary>
    public string? NewInput { get; set; }

    public TaskFailureDetails? Failure { get; set; }
    public bool MarkStarted { get; set; }
    public bool Finished { get; set; }

    /// <summary>Continue-as-new: the execution that replaces this one (history dropped, old timers and activities too).</summary>
    public string? NewExecutionId { get; set; }

    public bool StatusChanged { get; set; }
}

/// <summary>All SQL of the sidecar. Per step it keeps to one or two round trips (claim, commit).</summary>
internal sealed class SidecarStore(NpgsqlDataSource dataSource, int maxConnections = 20)
{
    // The data source is the platform's; the sidecar never takes more than its share of the pool, however many
    // clients and workers call at once (they queue here instead of timing out on an exhausted pool).
    private readonly SemaphoreSlim _connections = new(maxConnections, maxConnections);

    public const string WorkChannel = "workflow_sidecar_work";
    public const string InstanceChannel = "workflow_sidecar_instance";

    private const string ActiveStatuses = "(0, 6, 7)";
    private const string FinishedStatuses = "(1, 3, 4, 5)";
    /// <summary>
    /// SQL condition: the lease in <paramref name="column"/> is free for the claiming sidecar (id in parameter
    /// <paramref name="self"/>): nobody holds it, or a peer whose heartbeat is older than the lease duration
    /// (parameter <paramref name="interval"/>). Never its own lease: a late heartbeat of its own (CPU load) must not
    /// re-dispatch work that is still running here.
    /// </summary>
    private static string LeaseFree(string column, string self, string interval) => $"""
        ({column} IS NULL OR ({column} IS DISTINCT FROM {self} AND NOT EXISTS (
            SELECT 1 FROM workflow_sidecar.sidecars s WHERE s.id = {column} AND s.heartbeat_at > now() - {interval}::interval)))
        """;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>This sidecar's lease-holder id; also the payload of its work notifications, so it can ignore its own.</summary>
    public string SidecarId { get; } = Guid.NewGuid().ToString("N");

    public async Task RegisterSidecarAsync(string sidecarId, string address, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand(
            "INSERT INTO workflow_sidecar.sidecars (id, address) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()", connection);
        command.Parameters.Add(new() { Value = sidecarId });
        command.Parameters.Add(new() { Value = address });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task HeartbeatAsync(string sidecarId, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        // Also forgets sidecars dead for a long time, so the table stays as small as the set of live processes.
        ExecuteBatchAsync(cancellationToken,
            ("UPDATE workflow_sidecar.sidecars SET heartbeat_at = now() WHERE id = $1", [sidecarId]),
            ("DELETE FROM workflow_sidecar.sidecars WHERE heartbeat_at < now() - $1::interval * 100", [leaseDuration]));

    /// <summary>A stopping sidecar gives its leases back so its work is picked up at once, not after the lease expires.</summary>
    public Task UnregisterSidecarAsync(string sidecarId, CancellationToken cancellationToken) =>
        ExecuteBatchAsync(cancellationToken,
            ("UPDATE workflow_sidecar.instances SET lease_owner = NULL WHERE lease_owner = $1", [sidecarId]),
            ("UPDATE workflow_sidecar.activities SET lease_owner = NULL WHERE lease_owner = $1", [sidecarId]),
            ("DELETE FROM workflow_sidecar.sidecars WHERE id = $1", [sidecarId]),
            ($"SELECT pg_notify('{WorkChannel}', '{SidecarId}')", []));

    /// <summary>Creates the instance with its start event; false when an instance of that id already exists.</summary>
    public async Task<bool> CreateInstanceAsync(NewInstance instance, DateTime? scheduledStart, IDictionary<string, string> tags, HistoryEvent startEvent, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            WITH created AS (
                INSERT INTO workflow_sidecar.instances (instance_id, execution_id, name, version, status, input, tags, scheduled_start_at)
                VALUES ($1, $2, $3, $4, 6, $5, $6, $7)
                ON CONFLICT (instance_id) DO NOTHING
                RETURNING instance_id, execution_id)
            INSERT INTO workflow_sidecar.inbox (instance_id, execution_id, kind, visible_at, event)
            SELECT instance_id, execution_id, {SidecarSchema.KindStart}, coalesce($7, now()), $8 FROM created
            """, connection);
        command.Parameters.Add(new() { Value = instance.InstanceId });
        command.Parameters.Add(new() { Value = instance.ExecutionId });
        command.Parameters.Add(new() { Value = instance.Name });
        command.Parameters.Add(new() { Value = (object?)instance.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)instance.Input ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = tags.Count == 0 ? DBNull.Value : EncodeTags(tags), NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = (object?)scheduledStart ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = startEvent.ToByteArray() });
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        var created = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (created)
        {
            await NotifyAsync(connection, instance.InstanceId, cancellationToken);
        }

        return created;
    }

    public async Task<InstanceRow?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand("""
            SELECT instance_id, execution_id, name, version, status, input, output, custom_status, failure, parent_instance_id, tags,
                   created_at, last_updated_at, scheduled_start_at, started_at, completed_at
            FROM workflow_sidecar.instances WHERE instance_id = $1
            """, connection);
        command.Parameters.Add(new() { Value = instanceId });
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        DateTime? Time(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTime>(i);
        return new InstanceRow(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), (OrchestrationStatus)reader.GetInt32(4),
            Text(5), Text(6), Text(7),
            reader.IsDBNull(8) ? null : TaskFailureDetails.Parser.ParseFrom(reader.GetFieldValue<byte[]>(8)),
            Text(9),
            reader.IsDBNull(10) ? new Dictionary<string, string>() : DecodeTags(reader.GetFieldValue<byte[]>(10)),
            reader.GetFieldValue<DateTime>(11), reader.GetFieldValue<DateTime>(12), Time(13), Time(14), Time(15));
    }

    /// <summary>Adds an event to an active instance's inbox; false when the instance is missing or finished.</summary>
    public async Task<bool> EnqueueAsync(string instanceId, short kind, HistoryEvent historyEvent, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            WITH target AS (
                SELECT instance_id FROM workflow_sidecar.instances WHERE instance_id = $1 AND status IN {ActiveStatuses} FOR SHARE)
            INSERT INTO workflow_sidecar.inbox (instance_id, execution_id, kind, visible_at, event)
            SELECT instance_id, NULL, $2, now(), $3 FROM target
            """, connection);
        command.Parameters.Add(new() { Value = instanceId });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = historyEvent.ToByteArray() });
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false;
        }

        await NotifyAsync(connection, null, cancellationToken);
        return true;
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> instances with deliverable inbox rows: running ones with any event, pending
    /// ones whose start is due, suspended ones only for control events. Returns them with their visible inbox.
    /// </summary>
    public async Task<List<ClaimedInstance>> ClaimInstancesAsync(string sidecarId, TimeSpan leaseDuration, int limit, bool controlOnly, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            WITH candidates AS (
                SELECT c.instance_id FROM workflow_sidecar.instances c
                WHERE c.instance_id IN (SELECT b.instance_id FROM workflow_sidecar.inbox b WHERE b.visible_at <= now())
                  AND c.status IN {ActiveStatuses} AND c.ready_at <= now() AND {LeaseFree("c.lease_owner", "$1", "$2")}
                  AND EXISTS (
                      SELECT 1 FROM workflow_sidecar.inbox b
                      WHERE b.instance_id = c.instance_id AND b.visible_at <= now()
                        AND (b.kind = {SidecarSchema.KindControl} OR (NOT $4 AND (c.status = 0 OR (c.status = 6 AND b.kind = {SidecarSchema.KindStart})))))
                LIMIT $3
                FOR UPDATE OF c SKIP LOCKED),
            claimed AS (
                UPDATE workflow_sidecar.instances i SET lease_owner = $1
                FROM candidates WHERE i.instance_id = candidates.instance_id
                RETURNING i.instance_id, i.execution_id, i.status, i.history_length, i.parent_instance_id, i.started_at IS NOT NULL AS started, i.name)
            SELECT c.instance_id, c.execution_id, c.status, c.history_length, c.parent_instance_id, c.started, b.id, b.kind, b.event, b.execution_id, c.name
            FROM claimed c JOIN workflow_sidecar.inbox b ON b.instance_id = c.instance_id AND b.visible_at <= now()
            ORDER BY c.instance_id, b.id
            """, connection);
        command.Parameters.Add(new() { Value = sidecarId });
        command.Parameters.Add(new() { Value = leaseDuration });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = controlOnly });
        var claimed = new List<ClaimedInstance>();
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        ClaimedInstance? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var instanceId = reader.GetString(0);
            if (current is null || current.InstanceId != instanceId)
            {
                current = new ClaimedInstance(instanceId, reader.GetString(1), reader.GetString(10), (OrchestrationStatus)reader.GetInt32(2), reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5), []);
                claimed.Add(current);
            }

            // Rows meant for another execution (a timer of a replaced execution) are consumed without delivery.
            var rowExecution = reader.IsDBNull(9) ? null : reader.GetString(9);
            var historyEvent = HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(8));
            current.Inbox.Add(new InboxRow(reader.GetInt64(6), rowExecution is null || rowExecution == current.ExecutionId ? reader.GetInt16(7) : SidecarSchema.KindStale, historyEvent));
        }

        return claimed;
    }

    public async Task<List<HistoryEvent>> LoadHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand("SELECT event FROM workflow_sidecar.history WHERE instance_id = $1 ORDER BY seq", connection);
        command.Parameters.Add(new() { Value = instanceId });
        var events = new List<HistoryEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
        }

        return events;
    }

    /// <summary>Gives leases back without changes (worker gone, turn refused); the work is dispatched again after <paramref name="delay"/>.</summary>
    public Task ReleaseInstancesAsync(string sidecarId, IReadOnlyCollection<string> instanceIds, TimeSpan delay, CancellationToken cancellationToken) =>
        instanceIds.Count == 0
            ? Task.CompletedTask
            : ExecuteBatchAsync(cancellationToken,
                ("UPDATE workflow_sidecar.instances SET lease_owner = NULL, ready_at = now() + $3::interval WHERE instance_id = ANY($2) AND lease_owner = $1",
                    [sidecarId, instanceIds.ToArray(), delay]),
                ($"SELECT pg_notify('{WorkChannel}', '{SidecarId}')", []));

    public Task ReleaseActivitiesAsync(string sidecarId, IReadOnlyCollection<long> activityIds, CancellationToken cancellationToken) =>
        activityIds.Count == 0
            ? Task.CompletedTask
            : ExecuteBatchAsync(cancellationToken,
                ("UPDATE workflow_sidecar.activities SET lease_owner = NULL WHERE id = ANY($2) AND lease_owner = $1", [sidecarId, activityIds.ToArray()]),
                ($"SELECT pg_notify('{WorkChannel}', '{SidecarId}')", []));

    /// <summary>
    /// Writes a turn in one transaction, guarded by the lease: history appended, inbox rows consumed, activities,
    /// children and messages created, the instance updated and its lease released. Returns the ids of the activities
    /// created, already leased to this sidecar, and whether more inbox rows wait; null when the lease was lost (nothing written).
    /// </summary>
    public async Task<CommittedTurn?> CommitTurnAsync(string sidecarId, TurnCommit turn, CancellationToken cancellationToken)
    {
        // One batch is one implicit transaction: if hold_lease raises, nothing of the turn is written.
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var batch = new NpgsqlBatch(connection);

        void Add(string sql, params object?[] values)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            batch.BatchCommands.Add(command);
        }

        Add("SELECT workflow_sidecar.hold_lease($1, $2, $3)", turn.InstanceId, sidecarId, turn.ExecutionId);

        var historyLength = turn.HistoryBase + turn.AppendHistory.Count;
        if (turn.NewExecutionId is not null)
        {
            Add("DELETE FROM workflow_sidecar.history WHERE instance_id = $1", turn.InstanceId);
            Add("DELETE FROM workflow_sidecar.inbox WHERE instance_id = $1 AND execution_id = $2", turn.InstanceId, turn.ExecutionId);
            Add("DELETE FROM workflow_sidecar.activities WHERE instance_id = $1", turn.InstanceId);
            historyLength = 0;
        }
        else if (turn.AppendHistory.Count > 0)
        {
            Add("""
                INSERT INTO workflow_sidecar.history (instance_id, seq, event)
                SELECT $1, $2 + t.ord::int - 1, t.e FROM unnest($3::bytea[]) WITH ORDINALITY AS t(e, ord)
                """, turn.InstanceId, turn.HistoryBase, turn.AppendHistory.Select(e => e.ToByteArray()).ToArray());
        }

        if (turn.Finished)
        {
            // Whatever is still queued for a finished instance is never delivered: timers, late events, open activities.
            Add("DELETE FROM workflow_sidecar.inbox WHERE instance_id = $1", turn.InstanceId);
            Add("DELETE FROM workflow_sidecar.activities WHERE instance_id = $1", turn.InstanceId);
        }
        else if (turn.ConsumedInbox.Count > 0)
        {
            Add("DELETE FROM workflow_sidecar.inbox WHERE id = ANY($1)", turn.ConsumedInbox.ToArray());
        }

        var returnsActivities = false;
        if (turn.Activities.Count > 0 && !turn.Finished && turn.NewExecutionId is null)
        {
            // Created leased to this sidecar, which dispatches them straight away without another query.
            Add("""
                INSERT INTO workflow_sidecar.activities (instance_id, execution_id, task_id, name, request, lease_owner, attempts)
                SELECT $1, $2, t.task_id, t.name, t.request, $3, 1 FROM unnest($4::int[], $5::text[], $6::bytea[]) AS t(task_id, name, request)
                RETURNING id AS activity_id
                """, turn.InstanceId, turn.ExecutionId, sidecarId,
                turn.Activities.Select(a => a.TaskId).ToArray(), turn.Activities.Select(a => a.Name).ToArray(),
                turn.Activities.Select(a => a.Request.ToByteArray()).ToArray());
            returnsActivities = true;
        }

        if (turn.Children.Count > 0)
        {
            Add($"""
                INSERT INTO workflow_sidecar.instances (instance_id, execution_id, name, version, status, input, parent_instance_id)
                SELECT t.id, t.exec, t.name, t.version, 6, t.input, t.parent
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, exec, name, version, input, parent)
                ON CONFLICT (instance_id) DO NOTHING
                """,
                turn.Children.Select(c => c.InstanceId).ToArray(), turn.Children.Select(c => c.ExecutionId).ToArray(),
                turn.Children.Select(c => c.Name).ToArray(), turn.Children.Select(c => c.Version).ToArray(),
                turn.Children.Select(c => c.Input).ToArray(), turn.Children.Select(c => c.ParentInstanceId).ToArray());
        }

        if (turn.Messages.Count > 0)
        {
            Add($"""
                INSERT INTO workflow_sidecar.inbox (instance_id, execution_id, kind, visible_at, event)
                SELECT t.target, t.exec, t.kind, t.visible_at, t.event
                FROM unnest($1::text[], $2::text[], $3::smallint[], $4::timestamptz[], $5::bytea[], $6::smallint[], $7::text[], $8::text[])
                    AS t(target, exec, kind, visible_at, event, cond, cond_instance, cond_exec)
                WHERE t.cond = 0
                   OR (t.cond = 1 AND EXISTS (SELECT 1 FROM workflow_sidecar.instances x WHERE x.instance_id = t.target AND x.status IN {ActiveStatuses}))
                   OR (t.cond = 2 AND EXISTS (SELECT 1 FROM workflow_sidecar.instances x WHERE x.instance_id = t.target AND x.execution_id = t.exec AND x.status IN {ActiveStatuses}))
                   OR (t.cond = 3 AND EXISTS (SELECT 1 FROM workflow_sidecar.instances x WHERE x.instance_id = t.cond_instance AND x.execution_id IS DISTINCT FROM t.cond_exec))
                """,
                turn.Messages.Select(m => m.TargetInstanceId).ToArray(), turn.Messages.Select(m => m.ExecutionId).ToArray(),
                turn.Messages.Select(m => m.Kind).ToArray(), turn.Messages.Select(m => m.VisibleAt).ToArray(),
                turn.Messages.Select(m => m.Event.ToByteArray()).ToArray(), turn.Messages.Select(m => (short)m.Condition).ToArray(),
                turn.Messages.Select(m => m.ConditionInstanceId).ToArray(), turn.Messages.Select(m => m.ConditionExecutionId).ToArray());
        }

        Add($"""
            UPDATE workflow_sidecar.instances SET
                status = $2,
                custom_status = CASE WHEN $3 THEN $4 ELSE custom_status END,
                output = coalesce($5, output),
                failure = coalesce($6, failure),
                started_at = CASE WHEN $7 THEN coalesce(started_at, now()) ELSE started_at END,
                completed_at = CASE WHEN $8 THEN now() ELSE NULL END,
                execution_id = coalesce($9, execution_id),
                input = CASE WHEN $9 IS NULL THEN input ELSE $10 END,
                history_length = $11,
                last_updated_at = now(),
                lease_owner = NULL,
                ready_at = '-infinity'
            WHERE instance_id = $1
            """,
            turn.InstanceId, (int)turn.Status, turn.SetCustomStatus,
            new NpgsqlParameter { Value = (object?)turn.CustomStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)turn.Output ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)turn.Failure?.ToByteArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea },
            turn.MarkStarted, turn.Finished,
            new NpgsqlParameter { Value = (object?)turn.NewExecutionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)turn.NewInput ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            historyLength);

        // New activities need no notification: they are created leased to this (live) sidecar, which dispatches them
        // itself, and a NOTIFY costs a round of the server's notification queue lock at commit plus a wake-up here.
        if (turn.Messages.Count > 0 || turn.Children.Count > 0 || turn.NewExecutionId is not null)
        {
            Add($"SELECT pg_notify('{WorkChannel}', '{SidecarId}')");
        }

        if (turn.StatusChanged)
        {
            Add($"SELECT pg_notify('{InstanceChannel}', $1)", turn.InstanceId);
        }

        // Events that arrived during the turn (or the next execution's start) need another turn.
        Add("SELECT EXISTS (SELECT 1 FROM workflow_sidecar.inbox WHERE instance_id = $1 AND visible_at <= now()) AS more_inbox", turn.InstanceId);

        var ids = new List<long>();
        var moreInbox = false;
        try
        {
            await batch.PrepareAsync(cancellationToken);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (reader.FieldCount != 1)
                    {
                        continue;
                    }

                    switch (reader.GetName(0))
                    {
                        case "activity_id" when returnsActivities:
                            ids.Add(reader.GetInt64(0));
                            break;
                        case "more_inbox":
                            moreInbox = reader.GetBoolean(0);
                            break;
                    }
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == SidecarSchema.LeaseLostSqlState)
        {
            return null;
        }

        return new CommittedTurn([.. ids], moreInbox);
    }

    /// <summary>Leases up to <paramref name="limit"/> activities nobody (alive) holds.</summary>
    public async Task<List<ClaimedActivity>> ClaimActivitiesAsync(string sidecarId, TimeSpan leaseDuration, int limit, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            UPDATE workflow_sidecar.activities a SET lease_owner = $1, attempts = a.attempts + 1
            WHERE a.id IN (
                SELECT c.id FROM workflow_sidecar.activities c
                WHERE {LeaseFree("c.lease_owner", "$1", "$2")}
                ORDER BY c.id LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING a.id, a.request
            """, connection);
        command.Parameters.Add(new() { Value = sidecarId });
        command.Parameters.Add(new() { Value = leaseDuration });
        command.Parameters.Add(new() { Value = limit });
        var claimed = new List<ClaimedActivity>();
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedActivity(reader.GetInt64(0), ActivityRequest.Parser.ParseFrom(reader.GetFieldValue<byte[]>(1))));
        }

        return claimed;
    }

    /// <summary>
    /// Commits an activity's result: the activity row goes and its result enters the inbox, if this sidecar still
    /// holds the activity and the instance still runs that execution (else: stale, dropped). In the same statement
    /// the instance is leased to this sidecar when free, so the next turn starts without another query.
    /// </summary>
    public async Task<(bool Delivered, ClaimedInstance? Claimed)> CompleteActivityAsync(string sidecarId, TimeSpan leaseDuration, long activityId, HistoryEvent result, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            WITH done AS (
                DELETE FROM workflow_sidecar.activities WHERE id = $1 AND lease_owner = $2 RETURNING instance_id, execution_id),
            delivered AS (
                INSERT INTO workflow_sidecar.inbox (instance_id, execution_id, kind, visible_at, event)
                SELECT d.instance_id, d.execution_id, {SidecarSchema.KindEvent}, now(), $3 FROM done d
                JOIN workflow_sidecar.instances i ON i.instance_id = d.instance_id AND i.execution_id = d.execution_id AND i.status IN {ActiveStatuses}
                RETURNING id, instance_id),
            claimed AS (
                UPDATE workflow_sidecar.instances i SET lease_owner = $2
                FROM delivered d
                WHERE i.instance_id = d.instance_id AND i.status = 0 AND i.ready_at <= now()
                  AND {LeaseFree("i.lease_owner", "$2", "$4")}
                RETURNING i.instance_id, i.execution_id, i.status, i.history_length, i.parent_instance_id, i.started_at IS NOT NULL AS started, i.name)
            SELECT d.id, c.instance_id, c.execution_id, c.status, c.history_length, c.parent_instance_id, c.started, c.name,
                   b.id, b.kind, b.event, b.execution_id
            FROM delivered d
            LEFT JOIN claimed c ON true
            LEFT JOIN workflow_sidecar.inbox b ON b.instance_id = c.instance_id AND b.visible_at <= now()
            ORDER BY b.id
            """, connection);
        command.Parameters.Add(new() { Value = activityId });
        command.Parameters.Add(new() { Value = sidecarId });
        command.Parameters.Add(new() { Value = result.ToByteArray() });
        command.Parameters.Add(new() { Value = leaseDuration });
        // Prepared once per pooled connection: the claim and commit statements are the hot path.
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var delivered = false;
        ClaimedInstance? claimed = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!delivered)
            {
                delivered = true;
                if (reader.IsDBNull(1))
                {
                    return (true, null);
                }

                claimed = new ClaimedInstance(reader.GetString(1), reader.GetString(2), reader.GetString(7), (OrchestrationStatus)reader.GetInt32(3),
                    reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6), []);
                claimed.Inbox.Add(new InboxRow(reader.GetInt64(0), SidecarSchema.KindEvent, result));
            }

            // Rows queued before this statement (its snapshot does not see the row it inserted itself).
            if (!reader.IsDBNull(8))
            {
                var rowExecution = reader.IsDBNull(11) ? null : reader.GetString(11);
                claimed!.Inbox.Add(new InboxRow(reader.GetInt64(8),
                    rowExecution is null || rowExecution == claimed.ExecutionId ? reader.GetInt16(9) : SidecarSchema.KindStale,
                    HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(10))));
            }
        }

        claimed?.Inbox.Sort((a, b) => a.Id.CompareTo(b.Id));
        return (delivered, claimed);
    }

    /// <summary>When the next not yet visible inbox row (a timer, a delayed start) becomes visible.</summary>
    public async Task<DateTime?> NextVisibleAtAsync(CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand("SELECT min(visible_at) FROM workflow_sidecar.inbox WHERE visible_at > now()", connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DateTime next ? next : null;
    }

    public async Task<List<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken) =>
        await LoadHistoryAsync(instanceId, cancellationToken);

    public async Task<(List<string> Ids, string? Next)> ListInstanceIdsAsync(string? after, int pageSize, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand(
            "SELECT instance_id FROM workflow_sidecar.instances WHERE $1::text IS NULL OR instance_id > $1 ORDER BY instance_id LIMIT $2", connection);
        command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = pageSize + 1 });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        if (ids.Count <= pageSize)
        {
            return (ids, null);
        }

        ids.RemoveAt(ids.Count - 1);
        return (ids, ids[^1]);
    }

    /// <summary>
    /// Deletes the given root instances and, when <paramref name="recursive"/>, all their descendants, with history,
    /// inbox and activities. Returns how many instances went.
    /// </summary>
    public async Task<int> PurgeAsync(IReadOnlyCollection<string> rootIds, bool recursive, CancellationToken cancellationToken)
    {
        if (rootIds.Count == 0)
        {
            return 0;
        }

        var tree = recursive
            ? """
              WITH RECURSIVE tree(instance_id) AS (
                  SELECT instance_id FROM workflow_sidecar.instances WHERE instance_id = ANY($1)
                  UNION
                  SELECT c.instance_id FROM workflow_sidecar.instances c JOIN tree t ON c.parent_instance_id = t.instance_id)
              """
            : "WITH tree(instance_id) AS (SELECT instance_id FROM workflow_sidecar.instances WHERE instance_id = ANY($1))";
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            {tree},
            h AS (DELETE FROM workflow_sidecar.history WHERE instance_id IN (SELECT instance_id FROM tree)),
            b AS (DELETE FROM workflow_sidecar.inbox WHERE instance_id IN (SELECT instance_id FROM tree)),
            a AS (DELETE FROM workflow_sidecar.activities WHERE instance_id IN (SELECT instance_id FROM tree)),
            d AS (DELETE FROM workflow_sidecar.instances WHERE instance_id IN (SELECT instance_id FROM tree) RETURNING instance_id)
            SELECT count(*) FROM d
            """, connection);
        command.Parameters.Add(new() { Value = rootIds.ToArray() });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    /// <summary>Root instances (no parent left) matching a purge filter; finished ones only.</summary>
    public async Task<List<string>> FindFinishedRootsAsync(DateTime? createdFrom, DateTime? createdTo, int[] statuses, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            SELECT i.instance_id FROM workflow_sidecar.instances i
            WHERE i.status IN {FinishedStatuses}
              AND ($1::timestamptz IS NULL OR i.created_at >= $1) AND ($2::timestamptz IS NULL OR i.created_at < $2)
              AND (cardinality($3::int[]) = 0 OR i.status = ANY($3))
              AND (i.parent_instance_id IS NULL OR NOT EXISTS (SELECT 1 FROM workflow_sidecar.instances p WHERE p.instance_id = i.parent_instance_id))
            LIMIT 10000
            """, connection);
        command.Parameters.Add(new() { Value = (object?)createdFrom ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)createdTo ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = statuses });
        return await ReadStringsAsync(command, cancellationToken);
    }

    /// <summary>Finished root instances whose time to live is over (per workflow name, else the default).</summary>
    public async Task<List<string>> FindExpiredRootsAsync(TimeSpan defaultTtl, IReadOnlyDictionary<string, TimeSpan> perWorkflow, int limit, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand($"""
            SELECT i.instance_id FROM workflow_sidecar.instances i
            LEFT JOIN unnest($2::text[], $3::interval[]) AS ttl(name, keep) ON ttl.name = i.name
            WHERE i.completed_at IS NOT NULL AND i.status IN {FinishedStatuses}
              AND i.completed_at < now() - coalesce(ttl.keep, $1::interval)
              AND (i.parent_instance_id IS NULL OR NOT EXISTS (SELECT 1 FROM workflow_sidecar.instances p WHERE p.instance_id = i.parent_instance_id))
            LIMIT $4
            """, connection);
        command.Parameters.Add(new() { Value = defaultTtl });
        command.Parameters.Add(new() { Value = perWorkflow.Keys.ToArray() });
        command.Parameters.Add(new() { Value = perWorkflow.Values.ToArray() });
        command.Parameters.Add(new() { Value = limit });
        return await ReadStringsAsync(command, cancellationToken);
    }

    /// <summary>Children of an instance that are not finished (for recursive terminate).</summary>
    public async Task<List<string>> ActiveChildrenAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var command = new NpgsqlCommand(
            $"SELECT instance_id FROM workflow_sidecar.instances WHERE parent_instance_id = $1 AND status IN {ActiveStatuses}", connection);
        command.Parameters.Add(new() { Value = instanceId });
        return await ReadStringsAsync(command, cancellationToken);
    }

    /// <summary>Notifies on a connection the caller already holds (taking a second one from the gate could deadlock it).</summary>
    private async Task NotifyAsync(NpgsqlConnection connection, string? instanceId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(instanceId is null
            ? $"SELECT pg_notify('{WorkChannel}', '{SidecarId}')"
            : $"SELECT pg_notify('{WorkChannel}', '{SidecarId}'), pg_notify('{InstanceChannel}', $1)", connection);
        if (instanceId is not null)
        {
            command.Parameters.Add(new() { Value = instanceId });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<ConnectionLease> OpenAsync(CancellationToken cancellationToken)
    {
        await _connections.WaitAsync(cancellationToken);
        try
        {
            return new ConnectionLease(await dataSource.OpenConnectionAsync(cancellationToken), _connections);
        }
        catch
        {
            _connections.Release();
            throw;
        }
    }

    private sealed class ConnectionLease(NpgsqlConnection connection, SemaphoreSlim gate) : IAsyncDisposable
    {
        public NpgsqlConnection Connection => connection;

        public async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            gate.Release();
        }
    }

    /// <summary>Several statements in one round trip (positional parameters need one command per statement).</summary>
    private async Task ExecuteBatchAsync(CancellationToken cancellationToken, params (string Sql, object[] Values)[] statements)
    {
        await using var lease = await OpenAsync(cancellationToken);
        var connection = lease.Connection;
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (sql, values) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static byte[] EncodeTags(IDictionary<string, string> tags)
    {
        var started = new ExecutionStartedEvent();
        started.Tags.Add(tags);
        return started.ToByteArray();
    }

    private static Dictionary<string, string> DecodeTags(byte[] bytes) =>
        new(ExecutionStartedEvent.Parser.ParseFrom(bytes).Tags);
}

internal static class WorkflowStatuses
{
    public static bool IsFinished(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
}
