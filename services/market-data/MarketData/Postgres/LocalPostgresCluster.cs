using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>Where and how to run a local cluster.</summary>
public sealed record LocalPostgresClusterOptions
{
    /// <summary>Root folder; the cluster keeps data/, postgres.log and port inside it (e.g. <c>.platform/postgres</c>).</summary>
    public required string RootDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one on first start and keeps it for later starts.</summary>
    public int Port { get; init; }

    /// <summary>Throwaway clusters (tests) trade durability for speed: fsync, full-page writes and synchronous commit off.</summary>
    public bool Ephemeral { get; init; }

    public int MaxConnections { get; init; } = 200;

    /// <summary>Server shared buffers; the default keeps a 1M-row interactions table and its indexes in memory while loading.</summary>
    public string SharedBuffers { get; init; } = "256MB";
}

/// <summary>
/// A PostgreSQL cluster started from the server binaries on this machine, listening on 127.0.0.1 with password
/// authentication (scram-sha-256) only. The superuser (<c>postgres</c>, bootstrap only), the migration owner and the
/// service role get generated passwords kept in <see cref="CredentialsFile"/>, readable by this account only (the root
/// folder is 0700, the file 0600). Initialises the data folder on first use and reuses a cluster that is already
/// initialised or already running; a cluster initialised before passwords (trust) is switched over on its next start.
/// Used by the platform host (data under .platform/) and by the test fixture (a temp folder), so both start PostgreSQL
/// the same way.
/// </summary>
public sealed class LocalPostgresCluster
{
    public const string SuperUser = "postgres";

    private readonly PostgresBinaries _binaries;
    private readonly bool _runAsPostgresUser;

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ClusterCredentials _credentials = new("", "", "");

    private LocalPostgresCluster(LocalPostgresClusterOptions options, PostgresBinaries binaries, int port)
    {
        Options = options;
        _binaries = binaries;
        Port = port;
        // initdb and postgres refuse to run as root; in containers we are often root, so drop to the postgres account.
        _runAsPostgresUser = Environment.IsPrivilegedProcess;
    }

    public LocalPostgresClusterOptions Options { get; }
    public int Port { get; }
    public string DataDirectory => Path.Combine(Options.RootDirectory, "data");
    public string LogFile => Path.Combine(Options.RootDirectory, "postgres.log");

    /// <summary>The generated passwords (superuser, owner, service), one <c>role:password</c> per line, mode 0600.</summary>
    public string CredentialsFile => Path.Combine(Options.RootDirectory, "credentials");

    /// <summary>Connection string for <paramref name="database"/> as the superuser: bootstrap only (roles, databases).</summary>
    public string ConnectionString(string database = "postgres") => ConnectionStringAs(SuperUser, _credentials.Superuser, database);

    /// <summary>Connection string for <paramref name="database"/> as the migration owner (<see cref="PostgresRoles.Owner"/>).</summary>
    public string OwnerConnectionString(string database) => ConnectionStringAs(PostgresRoles.Owner, _credentials.Owner, database);

    /// <summary>Connection string for <paramref name="database"/> as the services' login role (<see cref="PostgresRoles.Service"/>).</summary>
    public string ServiceConnectionString(string database) => ConnectionStringAs(PostgresRoles.Service, _credentials.Service, database);

    private string ConnectionStringAs(string role, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = role,
        Password = password,
        Database = database,
    }.ConnectionString;

    /// <summary>Initialises (first time) and starts the cluster unless it is already running; returns when it accepts connections.</summary>
    public static async Task<LocalPostgresCluster> StartAsync(LocalPostgresClusterOptions options, CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.Locate();
        var root = Path.GetFullPath(options.RootDirectory);
        CreateOwnerOnlyDirectory(root);
        options = options with { RootDirectory = root };

        // Two processes starting the same cluster (the host and a CLI verb) must not both run initdb or pg_ctl start.
        using var startLock = await AcquireStartLockAsync(Path.Combine(root, "start.lock"), cancellationToken);
        var portFile = Path.Combine(root, "port");
        var port = options.Port != 0 ? options.Port
            : File.Exists(portFile) ? int.Parse(File.ReadAllText(portFile).Trim(), CultureInfo.InvariantCulture)
            : FreeTcpPort();
        var cluster = new LocalPostgresCluster(options, binaries, port);

        var initialised = File.Exists(Path.Combine(cluster.DataDirectory, "PG_VERSION"));
        var credentials = ClusterCredentials.Load(cluster.CredentialsFile);
        if (!initialised)
        {
            credentials = ClusterCredentials.Generate();
            await cluster.InitialiseAsync(credentials.Superuser, cancellationToken);
            credentials.Save(cluster.CredentialsFile);
        }

        cluster._credentials = credentials ?? new ClusterCredentials("", "", "");

        await File.WriteAllTextAsync(portFile, port.ToString(CultureInfo.InvariantCulture), cancellationToken);
        if (!await cluster.IsAcceptingConnectionsAsync(cancellationToken))
        {
            try
            {
                await cluster.RunPgCtlAsync(
                    ["start", "-w", "-t", "60", "-D", cluster.DataDirectory, "-l", cluster.LogFile, "-o", cluster.ServerArguments()],
                    cancellationToken);
            }
            catch (InvalidOperationException ex) when (File.Exists(cluster.LogFile))
            {
                var logTail = string.Join(Environment.NewLine, File.ReadLines(cluster.LogFile).TakeLast(5));
                throw new InvalidOperationException($"{ex.Message}{Environment.NewLine}Last lines of {cluster.LogFile}:{Environment.NewLine}{logTail}", ex);
            }
        }

        if (credentials is null)
        {
            // Initialised before password authentication: trust still admits the superuser, once, to set the passwords.
            cluster._credentials = ClusterCredentials.Generate();
            await cluster.SwitchToPasswordAuthenticationAsync(cancellationToken);
            cluster._credentials.Save(cluster.CredentialsFile);
        }

        await using (var superuser = new NpgsqlConnection(cluster.ConnectionString() + ";Pooling=false"))
        {
            await superuser.OpenAsync(cancellationToken);
            await PostgresRoles.EnsureAsync(superuser, cluster._credentials.Owner, cluster._credentials.Service, cancellationToken);
        }

        return cluster;
    }

    /// <summary>Stops the server (fast shutdown, or immediate for throwaway clusters).</summary>
    public Task StopAsync(bool immediate = false, CancellationToken cancellationToken = default) =>
        RunPgCtlAsync(["stop", "-w", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast"], cancellationToken);

    /// <summary>
    /// Stops the server immediately and deletes <see cref="LocalPostgresClusterOptions.RootDirectory"/> from a detached
    /// shell, so the clean-up completes even when this process is killed moments later (test hosts at exit).
    /// </summary>
    public void StopAndDeleteInBackground()
    {
        var stop = $"{(_runAsPostgresUser ? "runuser -u postgres -- " : "")}{ShellQuote(_binaries.PgCtl)} stop -w -m immediate -D {ShellQuote(DataDirectory)}";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", $"exec >/dev/null 2>&1 </dev/null; {stop}; rm -rf {ShellQuote(Options.RootDirectory)}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start);
    }

    /// <summary>A folder only this account may enter (0700), also when it existed already.</summary>
    internal static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerOnlyDirectory);
        File.SetUnixFileMode(path, OwnerOnlyDirectory);
    }

    /// <summary>Writes a file created readable by this account only (0600): the content is never readable by others, even briefly.</summary>
    internal static void WriteOwnerOnlyFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Creates <paramref name="database"/> owned by the migration owner if it does not exist (or hands it to the owner).</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await PostgresRoles.EnsureDatabaseAsync(connection, ConnectionString(), database, cancellationToken);
    }

    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private async Task InitialiseAsync(string superuserPassword, CancellationToken cancellationToken)
    {
        CreateOwnerOnlyDirectory(DataDirectory);
        // initdb reads the superuser's password from a file; it lives only while initdb runs.
        var passwordFile = Path.Combine(Options.RootDirectory, "initdb.pw");
        WriteOwnerOnlyFile(passwordFile, superuserPassword);
        try
        {
            if (_runAsPostgresUser)
            {
                await RunAsync("chown", ["-R", "postgres:", Options.RootDirectory], asPostgres: false, cancellationToken);
            }

            // C locale: byte-order text comparison keeps the text primary keys cheap to maintain during bulk loads.
            List<string> arguments = ["-D", DataDirectory, "-U", SuperUser, "--auth=scram-sha-256", "--pwfile=" + passwordFile,
                "--encoding=UTF8", "--locale=C", "--no-instructions"];
            if (Options.Ephemeral)
            {
                arguments.Add("--no-sync");
            }

            await RunAsync(_binaries.InitDb, arguments, _runAsPostgresUser, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>Sets the superuser's password over the old trust login, then makes every TCP login need a password.</summary>
    private async Task SwitchToPasswordAuthenticationAsync(CancellationToken cancellationToken)
    {
        var trusted = new NpgsqlConnectionStringBuilder(ConnectionString()) { Password = null, Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(trusted))
        {
            await connection.OpenAsync(cancellationToken);
            await using var setPassword = new NpgsqlCommand(
                $"SET password_encryption = 'scram-sha-256'; ALTER ROLE {SuperUser} PASSWORD '{_credentials.Superuser}'", connection);
            await setPassword.ExecuteNonQueryAsync(cancellationToken);
            // The server listens on TCP loopback only (no unix socket), so these lines are every way in.
            await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), """
                # TYPE  DATABASE  USER  ADDRESS       METHOD
                host    all       all   127.0.0.1/32  scram-sha-256
                host    all       all   ::1/128       scram-sha-256

                """, cancellationToken);
            await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
            await reload.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private string ServerArguments()
    {
        // No unix socket: paths under deep project folders exceed the 107-byte socket path limit; TCP on loopback only.
        var settings = new List<string>
        {
            "-p " + Port.ToString(CultureInfo.InvariantCulture),
            "-c listen_addresses=127.0.0.1",
            "-c unix_socket_directories=''",
            "-c max_connections=" + Options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            "-c password_encryption=scram-sha-256",
            "-c shared_buffers=" + Options.SharedBuffers,
        };
        if (Options.Ephemeral)
        {
            settings.AddRange(["-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off"]);
        }

        return string.Join(' ', settings);
    }

    private async Task<bool> IsAcceptingConnectionsAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            return false;
        }

        try
        {
            // Answering at all (even "password authentication failed") means the server is up.
            await using var connection = new NpgsqlConnection(ConnectionString() + ";Timeout=3;Pooling=false");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (PostgresException)
        {
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or SocketException)
        {
            return false;
        }
    }

    private Task RunPgCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(_binaries.PgCtl, arguments, _runAsPostgresUser, cancellationToken);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        // pg_ctl start sends the server's output to the log file (-l), so these pipes close when pg_ctl exits.
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    private static async Task<FileStream> AcquireStartLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The cluster's generated passwords, kept in a file only this account can read.</summary>
internal sealed record ClusterCredentials(string Superuser, string Owner, string Service)
{
    public static ClusterCredentials Generate() => new(PostgresRoles.NewPassword(), PostgresRoles.NewPassword(), PostgresRoles.NewPassword());

    /// <summary>The saved passwords, or null when the cluster has none yet (new, or initialised with trust).</summary>
    public static ClusterCredentials? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var byRole = File.ReadAllLines(path).Select(line => line.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return new ClusterCredentials(byRole[LocalPostgresCluster.SuperUser], byRole[PostgresRoles.Owner], byRole[PostgresRoles.Service]);
    }

    public void Save(string path)
    {
        var temporary = path + ".tmp";
        LocalPostgresCluster.WriteOwnerOnlyFile(temporary,
            $"{LocalPostgresCluster.SuperUser}:{Superuser}\n{PostgresRoles.Owner}:{Owner}\n{PostgresRoles.Service}:{Service}\n");
        File.Move(temporary, path, overwrite: true);
    }
}
