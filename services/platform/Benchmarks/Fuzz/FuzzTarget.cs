using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Training;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>
/// The all-in-one host the fuzzer attacks: a migrated database with two tenants (A, whose ids are the synthetic market's, and
/// B, whose every id carries <see cref="LeakMarker"/> so a response of tenant A that shows one is a leak), a small price model
/// and a small twin trained on A (seconds, fixed seeds) as champions, both tenants indexed. The demo is off, tenant headers
/// select a tenant (development mode), the admin key is <see cref="AdminKey"/>.
/// </summary>
public sealed class FuzzTarget : IAsyncDisposable
{
    public const string TenantA = "fuzz-a";
    public const string TenantB = "fuzz-b";

    /// <summary>Prefix of every id of tenant B; never sent to or shown for tenant A except where a request names it.</summary>
    public const string LeakMarker = "leakb";

    private readonly WebApplication _app;
    private readonly NpgsqlDataSource _dataSource;
    private string? _fingerprintSql;
    private (string Snapshot, string Fingerprint)? _lastFingerprint;
    private long _fingerprintsScanned;
    private long _fingerprintsUnchanged;

    private FuzzTarget(WebApplication app, NpgsqlDataSource dataSource, Uri baseAddress, string adminKey, FuzzTenantData a, FuzzTenantData b)
    {
        _app = app;
        _dataSource = dataSource;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        A = a;
        B = b;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public FuzzTenantData A { get; }

    public FuzzTenantData B { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="connectionString">The service role's connection to an empty (or migrated) database of its own: the host's.</param>
    /// <param name="superuserConnectionString">
    /// A superuser's connection to the same database: it migrates, seeds and reads the storage fingerprint, which must see
    /// every tenant's rows (the forced row-level security hides them from every other role).
    /// </param>
    /// <param name="workspace">A folder for artifacts and vectors, deleted by the caller.</param>
    public static async Task<FuzzTarget> StartAsync(
        string connectionString, string superuserConnectionString, string workspace, TextWriter log, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(superuserConnectionString);
        // Migrations and the host's schema changes run as the migration owner, as the platform's do (the owner owns the tables,
        // its default privileges grant the service role): the superuser's session takes the owner's role at connect time.
        var ownerConnectionString = new NpgsqlConnectionStringBuilder(superuserConnectionString) { Options = $"-c role={PostgresRoles.Owner}" }.ConnectionString;
        await using (var owner = NpgsqlDataSource.Create(ownerConnectionString))
        {
            await new PlatformDatabase(owner).MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        var marketA = new SyntheticMarketGenerator(new SyntheticMarketOptions { TenantId = TenantA, Properties = 400, Users = 20, InteractionsPerUser = 30, Seed = 11 });
        var marketB = new SyntheticMarketGenerator(new SyntheticMarketOptions { TenantId = TenantB, Properties = 120, Users = 8, InteractionsPerUser = 10, Seed = 22 });
        var a = await SeedAsync(dataSource, TenantA, marketA, id => id, cancellationToken).ConfigureAwait(false);
        var b = await SeedAsync(dataSource, TenantB, marketB, id => LeakMarker + "-" + id, cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync($"fuzz target: tenant {TenantA} {a.PropertyIds.Count} properties / {a.UserIds.Count} users, tenant {TenantB} {b.PropertyIds.Count} / {b.UserIds.Count}").ConfigureAwait(false);

        var priceModel = TrainPrice(marketA);
        var twin = new TwinTrainer().Train(
            new TwinDataset(a.Properties, a.Users, a.Interactions),
            new TwinTrainingOptions { TenantId = TenantA, Epochs = 8, BatchSize = 32, Seed = 7, Threads = 1, Patience = 8 });
        using var twinFile = new MemoryStream();
        using (var model = twin.Model)
        {
            model.Save(twinFile);
        }

        var adminKey = "fuzz-admin-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        var app = PlatformHost.Build(
        [
            // Port 0: the OS picks a free one, read back once the host listens.
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Postgres={connectionString}",
            $"--ConnectionStrings:PostgresOwner={ownerConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(workspace, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(workspace, "vectors")}",
            $"--Platform:ApiKeyFile={Path.Combine(workspace, "api-key")}",
            $"--Platform:ApiKeys:0={adminKey}",
            "--Platform:Auth:AllowTenantHeader=true",
            "--Platform:Demo:Enabled=false",
            // The fuzzer's own request rate is not what it tests; limits have their own tests.
            "--Platform:RateLimit:PermitLimit=1000000",
            "--Logging:LogLevel:Default=Critical",
        ], workspace);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var url = app.Urls.First().TrimEnd('/');

        // Both tenants are served (the same small models, registered per tenant), so tenant B has an index and answers whose
        // ids could leak into tenant A's.
        var registry = app.Services.GetRequiredService<ModelRegistry>();
        var lineage = new ModelLineage("fuzz-market", new Dictionary<string, string>(), "fuzz");
        foreach (var tenant in new[] { TenantA, TenantB })
        {
            var price = await registry.RegisterAsync(tenant, ModelNames.Price, new MemoryStream(priceModel), new Dictionary<string, double>(),
                lineage, cancellationToken: cancellationToken).ConfigureAwait(false);
            await registry.SetAliasAsync(tenant, ModelNames.Price, ModelRegistry.Champion, price.Version, cancellationToken).ConfigureAwait(false);
            twinFile.Position = 0;
            var twinVersion = await registry.RegisterAsync(tenant, ModelNames.Twin, twinFile, new Dictionary<string, double>(),
                lineage, cancellationToken: cancellationToken).ConfigureAwait(false);
            await registry.SetAliasAsync(tenant, ModelNames.Twin, ModelRegistry.Champion, twinVersion.Version, cancellationToken).ConfigureAwait(false);
        }

        var target = new FuzzTarget(app, dataSource, new Uri(url + "/"), adminKey, a, b);
        await target.WaitUntilServingAsync(cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <summary>
    /// Waits for the in-process event bus to deliver what accepted requests published (fold-in, deployments, training
    /// requests) and, with <paramref name="workflows"/>, up to <paramref name="workflowBudget"/> for workflow instances they started to stop running.
    /// </summary>
    public async Task SettleAsync(bool workflows, TimeSpan workflowBudget, CancellationToken cancellationToken)
    {
        if (_app.Services.GetService<InProcessEventBus>() is { } bus)
        {
            await bus.WaitUntilIdleAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }

        var deadline = DateTime.UtcNow + workflowBudget;
        while (workflows && DateTime.UtcNow < deadline && await WorkflowsRunningAsync(cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether a workflow instance is running or pending on the embedded sidecar (it writes its history meanwhile).</summary>
    public async Task<bool> WorkflowsRunningAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Durable Task statuses: 0 running, 2 continued as new, 6 pending.
        await using var command = new NpgsqlCommand(
            """
            SELECT to_regclass('workflow_sidecar.instances') IS NOT NULL
               AND EXISTS (SELECT 1 FROM workflow_sidecar.instances WHERE status IN (0, 2, 6) AND completed_at IS NULL)
            """, connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>Fingerprints read from the tables, and those answered from the last one because the snapshot had not moved.</summary>
    public (long Scanned, long Unchanged) FingerprintCounts => (_fingerprintsScanned, _fingerprintsUnchanged);

    /// <summary>
    /// What rejected requests must not change: row counts and row versions of every table that requests write (tenants,
    /// properties, users, interactions, sales, the state store with the registry and workflow state, the workflow sidecar).
    /// The tables are read only when the cluster's snapshot moved since the last fingerprint: a snapshot that is the same
    /// (no transaction committed, none began writing) sees the same rows, and any stored row needs a transaction that writes.
    /// </summary>
    public async Task<string> StorageFingerprintAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _fingerprintSql ??= await FingerprintSqlAsync(connection, cancellationToken).ConfigureAwait(false);
        if (_lastFingerprint is { } last)
        {
            await using var snapshot = new NpgsqlCommand("SELECT pg_current_snapshot()::text", connection);
            if (await snapshot.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string current && current == last.Snapshot)
            {
                _fingerprintsUnchanged++;
                return last.Fingerprint;
            }
        }

        // The snapshot is read in the same statement as the tables, so it is the one their rows were read under.
        var fingerprint = new StringBuilder();
        string? readUnder = null;
        await using var command = new NpgsqlCommand($"SELECT pg_current_snapshot()::text, t.* FROM ({_fingerprintSql}) AS t", connection);
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                readUnder = rows.GetString(0);
                fingerprint.Append(CultureInfo.InvariantCulture, $"{rows.GetString(1)}={rows.GetInt64(2)}/{rows.GetInt64(3)} ");
            }
        }

        _fingerprintsScanned++;
        _lastFingerprint = readUnder is null ? null : (readUnder, fingerprint.ToString());
        return fingerprint.ToString();
    }

    /// <summary>
    /// One query over every table (read once: migrations ran before the host started). The workflow sidecar's own lease row
    /// (<c>workflow_sidecar.sidecars</c>, renewed on a timer) is left out: it is the sidecar's heartbeat, not what requests store.
    /// </summary>
    private static async Task<string> FingerprintSqlAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using var list = new NpgsqlCommand(
            """
            SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
              AND table_name <> 'schema_migrations' AND (table_schema, table_name) <> ('workflow_sidecar', 'sidecars')
              -- An authenticated caller's refused admin or write action is recorded there, by design (docs/operations.md).
              AND table_name <> 'audit_log'
            ORDER BY 1
            """, connection);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }

        // Row count and the sum of the rows' xmin: an insert, update or delete of any row changes one of them, without reading the rows.
        return string.Join(" UNION ALL ", tables.Select(t => $"SELECT '{t}', count(*), coalesce(sum(xmin::text::bigint), 0)::bigint FROM {t}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        // The tenants' own (development-mode header) credentials rebuild their indexes: the admin key reads no tenant's data.
        using var admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        foreach (var tenant in new[] { TenantA, TenantB })
        {
            using var reload = new HttpRequestMessage(HttpMethod.Post, new Uri("admin/reload", UriKind.Relative));
            reload.Headers.Add("X-Tenant-Id", tenant);
            using (await admin.SendAsync(reload, cancellationToken).ConfigureAwait(false))
            {
            }
        }

        using var tenants = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        await SettleAsync(workflows: false, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        foreach (var tenant in new[] { TenantA, TenantB })
        {
            using var rebuild = new HttpRequestMessage(HttpMethod.Post, new Uri("index/rebuild", UriKind.Relative));
            rebuild.Headers.Add("X-Tenant-Id", tenant);
            for (var attempt = 0; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("index/rebuild", UriKind.Relative));
                request.Headers.Add("X-Tenant-Id", tenant);
                using var response = await tenants.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    break;
                }

                if (attempt > 100)
                {
                    throw new InvalidOperationException($"The fuzz target does not index tenant {tenant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
                }

                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            using var ask = new HttpRequestMessage(HttpMethod.Get, new Uri("model/info", UriKind.Relative));
            ask.Headers.Add("X-Tenant-Id", TenantA);
            using var info = await tenants.SendAsync(ask, cancellationToken).ConfigureAwait(false);
            if (info.IsSuccessStatusCode)
            {
                return;
            }

            if (attempt > 100)
            {
                throw new InvalidOperationException($"The fuzz target serves no price model: {(int)info.StatusCode}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<FuzzTenantData> SeedAsync(
        NpgsqlDataSource dataSource, string tenantId, SyntheticMarketGenerator market, Func<string, string> id, CancellationToken cancellationToken)
    {
        var properties = market.Properties.Select(p => p with { PropertyId = id(p.PropertyId) }).ToList();
        var users = market.Users.Select(u => u.User with { UserId = id(u.User.UserId), Name = id(u.User.Name) }).ToList();
        var interactions = market.Interactions()
            .Select(i => i with { EventId = id(i.EventId), UserId = id(i.UserId), PropertyId = id(i.PropertyId) }).ToList();
        var tenants = new TenantConnectionFactory(dataSource);
        await new TenantStore(dataSource).EnsureAsync(tenantId, cancellationToken: cancellationToken).ConfigureAwait(false);
        await new PropertyStore(tenants).UpsertAsync(tenantId, properties, cancellationToken).ConfigureAwait(false);
        await new UserStore(tenants).UpsertAsync(tenantId, users, cancellationToken).ConfigureAwait(false);
        await new InteractionStore(tenants).InsertBatchAsync(tenantId, interactions, cancellationToken).ConfigureAwait(false);
        return new FuzzTenantData(tenantId, properties, users, interactions);
    }

    /// <summary>A small price model on tenant A's sales (as the parity tests train one): seconds, fixed seed.</summary>
    private static byte[] TrainPrice(SyntheticMarketGenerator market)
    {
        var properties = market.Properties.ToDictionary(p => p.PropertyId, StringComparer.Ordinal);
        var csv = new StringBuilder(PriceDatasetFormat.Header).Append('\n');
        foreach (var sale in market.Sales)
        {
            csv.Append(PriceDatasetFormat.Line(sale.Sale, properties[sale.Sale.PropertyId])).Append('\n');
        }

        var rows = PriceDatasetFormat.Read(Encoding.UTF8.GetBytes(csv.ToString()), TenantA).Rows;
        var model = PriceModelTrainer.Train(rows, PriceDatasetFormat.Schema, new PriceTrainingOptions { Seed = 5, Iterations = 40, Ensemble = false, AdaptiveIntervals = false });
        using var file = new MemoryStream();
        model.Save(file);
        return file.ToArray();
    }
}

/// <summary>What a fuzz tenant holds: the ids requests use (tenant A's) or must never see (tenant B's).</summary>
public sealed record FuzzTenantData(string TenantId, IReadOnlyList<Property> Properties, IReadOnlyList<User> Users, IReadOnlyList<Interaction> Interactions)
{
    public IReadOnlyList<string> PropertyIds { get; } = Properties.Select(p => p.PropertyId).ToList();

    public IReadOnlyList<string> UserIds { get; } = Users.Select(u => u.UserId).ToList();

    public FuzzTenantIds Ids => new(TenantId, UserIds, PropertyIds);
}
