using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>
/// The sidecar's tables, in a schema of their own so they never meet the platform's. Created (idempotently) at start.
/// </summary>
internal static class SidecarSchema
{
    /// <summary>Inbox row kinds: an event for the workflow, a control event the sidecar applies itself, the start.</summary>
    public const short KindEvent = 0;
    public const short KindControl = 1;
    public const short KindStart = 2;

    /// <summary>Not stored: a row meant for an execution that no longer runs, consumed without delivery.</summary>
    public const short KindStale = -1;

    private const string Ddl = """
        CREATE SCHEMA IF NOT EXISTS workflow_sidecar;

        -- One row per running sidecar process: the lease holder. Its leases on instances and activities are valid
        -- while heartbeat_at is fresh; a killed sidecar's work is dispatched again once its heartbeat is stale.
        CREATE TABLE IF NOT EXISTS workflow_sidecar.sidecars (
            id text PRIMARY KEY,
            address text NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            heartbeat_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE IF NOT EXISTS workflow_sidecar.instances (
            instance_id text PRIMARY KEY,
            execution_id text NOT NULL,
            name text NOT NULL,
            version text,
            status int NOT NULL,
            input text,
            output text,
            custom_status text,
            failure bytea,
            parent_instance_id text,
            tags bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_updated_at timestamptz NOT NULL DEFAULT now(),
            scheduled_start_at timestamptz,
            started_at timestamptz,
            completed_at timestamptz,
            history_length int NOT NULL DEFAULT 0,
            lease_owner text,
            ready_at timestamptz NOT NULL DEFAULT '-infinity'
        );
        CREATE INDEX IF NOT EXISTS instances_parent ON workflow_sidecar.instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS instances_finished ON workflow_sidecar.instances (completed_at) WHERE completed_at IS NOT NULL;

        -- The committed history of the current execution, one protobuf HistoryEvent per row.
        CREATE TABLE IF NOT EXISTS workflow_sidecar.history (
            instance_id text NOT NULL,
            seq int NOT NULL,
            event bytea NOT NULL,
            PRIMARY KEY (instance_id, seq)
        );

        -- Events not yet given to the workflow: starts, raised events, activity and child results, and durable timers
        -- (a TimerFired row whose visible_at is the fire time). execution_id set: only for that execution.
        CREATE TABLE IF NOT EXISTS workflow_sidecar.inbox (
            id bigserial PRIMARY KEY,
            instance_id text NOT NULL,
            execution_id text,
            kind smallint NOT NULL,
            visible_at timestamptz NOT NULL,
            event bytea NOT NULL
        );
        CREATE INDEX IF NOT EXISTS inbox_instance ON workflow_sidecar.inbox (instance_id, id);
        CREATE INDEX IF NOT EXISTS inbox_visible ON workflow_sidecar.inbox (visible_at);

        -- Scheduled activities until their result is committed (at least once: a lost lease dispatches them again).
        CREATE TABLE IF NOT EXISTS workflow_sidecar.activities (
            id bigserial PRIMARY KEY,
            instance_id text NOT NULL,
            execution_id text NOT NULL,
            task_id int NOT NULL,
            name text NOT NULL,
            request bytea NOT NULL,
            lease_owner text,
            attempts int NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS activities_instance ON workflow_sidecar.activities (instance_id);

        -- Guards a turn's commit: the committing sidecar still holds the instance's lease for that execution.
        CREATE OR REPLACE FUNCTION workflow_sidecar.hold_lease(p_instance text, p_owner text, p_execution text) RETURNS void AS $$
        BEGIN
            PERFORM 1 FROM workflow_sidecar.instances
                WHERE instance_id = p_instance AND lease_owner = p_owner AND execution_id = p_execution FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'lease on workflow instance % lost', p_instance USING ERRCODE = 'WS001';
            END IF;
        END $$ LANGUAGE plpgsql;
        """;

    /// <summary>SQLSTATE raised by <c>hold_lease</c>.</summary>
    public const string LeaseLostSqlState = "WS001";

    /// <summary>
    /// Creates the schema on <paramref name="dataSource"/>; when <paramref name="grantee"/> connects as another role
    /// (the host's service role, the schema being created by the database owner) that role gets the use of the tables,
    /// nothing more: it cannot change or drop them.
    /// </summary>
    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, NpgsqlDataSource? grantee, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Two sidecars starting at once on one database must not race on CREATE ... IF NOT EXISTS.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7212026)", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(Ddl, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var user = grantee is null ? null : new NpgsqlConnectionStringBuilder(grantee.ConnectionString).Username;
        if (user is not null && user != connection.UserName)
        {
            var role = "\"" + user.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var grant = new NpgsqlCommand($"""
                GRANT USAGE ON SCHEMA workflow_sidecar TO {role};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA workflow_sidecar TO {role};
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA workflow_sidecar TO {role};
                GRANT EXECUTE ON FUNCTION workflow_sidecar.hold_lease(text, text, text) TO {role};
                """, connection, transaction);
            await grant.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>The connection that creates the sidecar's schema when it is not the working one (the database owner's).</summary>
internal sealed record SidecarSchemaOwner(NpgsqlDataSource? DataSource);
