namespace Platform.MarketData.Postgres;

/// <summary>Finds the PostgreSQL server programs (initdb, pg_ctl, postgres) on PATH or in the Debian/Ubuntu layout.</summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under /usr/lib/postgresql/*/bin. " +
        "Install PostgreSQL 15 or newer (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) " +
        "or set a connection string (PLATFORM_POSTGRES) to an existing server.";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>The first directory holding both initdb and pg_ctl; throws <see cref="PostgresNotInstalledException"/> when none does.</summary>
    public static PostgresBinaries Locate() =>
        Locate(Environment.GetEnvironmentVariable("PATH") ?? "", "/usr/lib/postgresql");

    /// <summary>Searches <paramref name="searchPath"/> (PATH syntax), then <paramref name="versionedRoot"/>/*/bin newest first.</summary>
    public static PostgresBinaries Locate(string searchPath, string versionedRoot)
    {
        var candidates = searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).AsEnumerable();
        // Debian keeps the server programs off PATH; prefer the newest major version there.
        if (Directory.Exists(versionedRoot))
        {
            candidates = candidates.Concat(Directory.GetDirectories(versionedRoot)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        foreach (var directory in candidates)
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                return new PostgresBinaries(directory);
            }
        }

        throw new PostgresNotInstalledException(InstallHint);
    }
}

/// <summary>No PostgreSQL server binaries could be found; the message says what to install.</summary>
public sealed class PostgresNotInstalledException(string message) : Exception(message);
