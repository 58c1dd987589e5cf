using Microsoft.Extensions.Options;
using Platform.Testing;
using Platform.TrainingWorkflow.Pipelines;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary><c>Platform:Pipelines</c> is checked when the host starts: a bad value stops it with a message naming the key.</summary>
public sealed class PipelineOptionsTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Theory]
    [InlineData("Platform:Pipelines:Tenants:0", "not a tenant!", "Platform:Pipelines:Tenants:0 ('not a tenant!') is not a valid tenant id")]
    [InlineData("Platform:Pipelines:RetrainingCron", "every monday", "Platform:Pipelines:RetrainingCron ('every monday') is not a cron expression")]
    [InlineData("Platform:Pipelines:SnapshotCacheEntries", "-1", "SnapshotCacheEntries")]
    public async Task Bad_pipeline_options_stop_the_host_with_a_message_naming_the_key(string key, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            PipelineHost.StartAsync(database.DataSource, "state_bad_options", new Dictionary<string, string?> { [key] = value }));

        var validation = error as OptionsValidationException
            ?? Assert.Single(Assert.IsType<AggregateException>(error).InnerExceptions.OfType<OptionsValidationException>(),
                e => e.OptionsType == typeof(TrainingPipelineOptions));
        Assert.Equal(typeof(TrainingPipelineOptions), validation.OptionsType);
        Assert.Contains(message, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new TrainingPipelineOptionsValidator().Validate(null, new TrainingPipelineOptions()).Succeeded);
    }
}
