using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using Npgsql;
using Platform.MarketData.Postgres;
using Testcontainers.PostgreSql;

namespace Platform.Testing;

/// <summary>
/// The one PostgreSQL server of a test run, shared by every test class in the assembly: a Testcontainers container
/// where a Docker engine answers, otherwise a throwaway <see cref="LocalPostgresCluster"/> in a temp folder (fsync off)
/// that is stopped and deleted when the test process exits. Clusters orphaned by a killed test run are removed by the
/// next run. Either way the platform's roles exist with passwords (superuser for bootstrap, owner for migrations,
/// service role for hosts), as on the local cluster the platform starts.
/// </summary>
public sealed class PostgresCluster
{
    private const string TempPrefix = "platform-test-pg-";
    private static readonly Lazy<Task<PostgresCluster>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _ownerPassword;
    private readonly string _servicePassword;

    private PostgresCluster(string adminConnectionString, string description, string ownerPassword, string servicePassword)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        _ownerPassword = ownerPassword;
        _servicePassword = servicePassword;
        // Hosts and verbs started by tests (in process or as child processes) get the service role's connection string and
        // find the owner's credentials, for their migrations, where a deployment would give them.
        Environment.SetEnvironmentVariable(PostgresRoles.OwnerConnectionStringVariable,
            new NpgsqlConnectionStringBuilder { Username = PostgresRoles.Owner, Password = ownerPassword }.ConnectionString);
    }

    /// <summary>Superuser connection string to the maintenance database (bootstrap and inspection only).</summary>
    public string AdminConnectionString { get; }

    /// <summary>What runs the server ("testcontainers postgres:17" or the local data folder).</summary>
    public string Description { get; }

    public static Task<PostgresCluster> SharedAsync() => Instance.Value;

    /// <summary>Superuser connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Connection string for <paramref name="database"/> as the migration owner (<see cref="PostgresRoles.Owner"/>).</summary>
    public string OwnerConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Username = PostgresRoles.Owner, Password = _ownerPassword }.ConnectionString;

    /// <summary>Connection string for <paramref name="database"/> as the services' login role (<see cref="PostgresRoles.Service"/>).</summary>
    public string ServiceConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Username = PostgresRoles.Service, Password = _servicePassword }.ConnectionString;

    /// <summary>Creates <paramref name="database"/> owned by the migration owner, as the platform's bootstrap does.</summary>
    public async Task CreateDatabaseAsync(string database)
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await PostgresRoles.EnsureDatabaseAsync(admin, AdminConnectionString, database);
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        if (await DockerAnswersAsync())
        {
            var container = new PostgreSqlBuilder("postgres:17-alpine").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            var (ownerPassword, servicePassword) = (PostgresRoles.NewPassword(), PostgresRoles.NewPassword());
            await using (var superuser = new NpgsqlConnection(container.GetConnectionString()))
            {
                await superuser.OpenAsync();
                await PostgresRoles.EnsureAsync(superuser, ownerPassword, servicePassword);
            }

            return new PostgresCluster(container.GetConnectionString(), "testcontainers postgres:17-alpine", ownerPassword, servicePassword);
        }

        RemoveOrphanedClusters();
        Exception? last = null;
        // A free port can be taken by a parallel test run between choosing and binding it; try a few.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), TempPrefix + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresClusterOptions { RootDirectory = root, Ephemeral = true, MaxConnections = 300, SharedBuffers = "64MB" });
                await File.WriteAllTextAsync(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.StopAndDeleteInBackground();
                return new PostgresCluster(cluster.ConnectionString(), root,
                    new NpgsqlConnectionStringBuilder(cluster.OwnerConnectionString("postgres")).Password!,
                    new NpgsqlConnectionStringBuilder(cluster.ServiceConnectionString("postgres")).Password!);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                TryDelete(root);
            }
        }

        throw new InvalidOperationException("Could not start a throwaway PostgreSQL cluster.", last);
    }

    private static void RemoveOrphanedClusters()
    {
        foreach (var root in Directory.GetDirectories(Path.GetTempPath(), TempPrefix + "*"))
        {
            var ownerFile = Path.Combine(root, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || IsAlive(owner))
            {
                continue;
            }

            var pidFile = Path.Combine(root, "data", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && IsAlive(postmaster))
            {
                try
                {
                    Process.GetProcessById(postmaster).Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    continue;
                }
            }

            TryDelete(root);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string root)
    {
        // Server processes may still be releasing files for a moment after pg_ctl stop returns.
        for (var attempt = 0; attempt < 5 && Directory.Exists(root); attempt++)
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Docker counts only if its socket exists and answers /_ping within a second.</summary>
    private static async Task<bool> DockerAnswersAsync()
    {
        var socketPath = Environment.GetEnvironmentVariable("DOCKER_HOST") is { } host && host.StartsWith("unix://", StringComparison.Ordinal)
            ? host["unix://".Length..]
            : "/var/run/docker.sock";
        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1) };
            using var response = await client.GetAsync(new Uri("http://docker/_ping"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException or IOException)
        {
            return false;
        }
    }
}
