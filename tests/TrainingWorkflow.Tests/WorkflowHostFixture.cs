using Platform.Testing;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>A fresh database and one <see cref="WorkflowTestHost"/> on it, shared by the tests of a class (each uses its own instance ids).</summary>
public class WorkflowHostFixture : PostgresDatabaseFixture, IAsyncLifetime
{
    private WorkflowTestHost? _host;

    public WorkflowTestHost Host => _host ?? throw new InvalidOperationException("The fixture is not initialised.");

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _host = await StartHostAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await DisposeAsync();
    }

    protected virtual Task<WorkflowTestHost> StartHostAsync() => WorkflowTestHost.StartAsync(DataSource);
}
