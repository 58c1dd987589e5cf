using Npgsql;

namespace Platform.Valuation.Api.Tests;

/// <summary>TEMPORARY until Platform.Testing's PostgresDatabaseFixture lands: a fresh database per test class.</summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private static readonly string Admin = Environment.GetEnvironmentVariable("VALUATION_API_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=55432;Username=postgres";

    private readonly string _name = "valuation_api_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString => new NpgsqlConnectionStringBuilder(Admin) { Database = _name }.ConnectionString;

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {_name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
