using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.MarketData.Postgres;

namespace Platform.MarketData.Hosting;

/// <summary>
/// Brings the market-data schema up to date before the host serves: start-up waits for it, and the migrator's advisory
/// lock makes it safe when several services start against one database at once.
/// </summary>
internal sealed class DatabaseMigrationService(PlatformDatabase database, ILogger<DatabaseMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied database migrations {Versions}", string.Join(", ", applied));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
