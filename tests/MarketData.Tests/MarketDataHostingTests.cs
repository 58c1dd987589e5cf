using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.MarketData.Hosting;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.MarketData.Tests;

/// <summary>A fresh database without the platform schema: the host under test has to create it.</summary>
public sealed class UnmigratedDatabaseFixture : PostgresDatabaseFixture
{
    protected override bool ApplyMigrations => false;
}

public sealed class MarketDataHostingTests(UnmigratedDatabaseFixture database) : IClassFixture<UnmigratedDatabaseFixture>
{
    [Fact]
    public async Task A_host_with_AddMarketData_migrates_at_start_and_serves_tenant_scoped_stores()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(database.DataSource);
        builder.AddMarketData();
        builder.AddMarketData(); // as a second module of the same host does: nothing is added twice
        Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly == typeof(PlatformDatabase).Assembly);

        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await using (var count = database.DataSource.CreateCommand("SELECT count(*) FROM schema_migrations"))
            {
                Assert.Equal((long)PlatformDatabase.Migrations.Count, await count.ExecuteScalarAsync());
            }

            Assert.True(await host.Services.GetRequiredService<TenantStore>().EnsureAsync("hosting-tenant"));
            await using var connection = await host.Services.GetRequiredService<TenantConnectionFactory>().OpenAsync("hosting-tenant");
            await using var scope = new NpgsqlCommand("SELECT current_user, current_setting('app.tenant_id')", connection);
            await using var reader = await scope.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(TenantConnectionFactory.TenantRole, reader.GetString(0));
            Assert.Equal("hosting-tenant", reader.GetString(1));

            foreach (var store in new[] { typeof(PropertyStore), typeof(UserStore), typeof(InteractionStore), typeof(TransactionStore) })
            {
                Assert.Same(host.Services.GetRequiredService(store), host.Services.GetRequiredService(store));
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
