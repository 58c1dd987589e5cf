using Platform.Host.Commands;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.EndToEnd.Tests;

public sealed class TrainTwinCommandTests
{
    [Fact]
    public async Task Too_little_data_exits_non_zero_naming_the_threshold()
    {
        var data = RepositoryFiles.SmallMarket(properties: 40, users: 3, interactionsPerUser: 60);
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var code = await TrainTwinCommand.RunAsync(data, new TwinTrainingOptions { Epochs = 1 }, null);
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Contains("40 properties, at least 50", error.ToString());
    }

    [Fact]
    public async Task Training_writes_model_checkpoints_history_and_report()
    {
        var data = RepositoryFiles.SmallMarket(properties: 200, users: 20, interactionsPerUser: 30);
        var dir = Directory.CreateTempSubdirectory("twin-cli-");
        try
        {
            var report = new FileInfo(Path.Combine(dir.FullName, "REPORT.json"));
            var options = new TwinTrainingOptions { Epochs = 2, BatchSize = 64, Threads = 1, OutputDirectory = dir.FullName, Gates = new TwinQualityGates { MinF1 = 0, MinAccuracy = 0, RequireLossDecrease = false } };
            var code = await TrainTwinCommand.RunAsync(data, options, report);

            Assert.Equal(0, code);
            foreach (var file in new[] { "twin.model", "twin-best.model", "twin-latest.model", "twin-history.json", "twin-history.png", "REPORT.json" })
            {
                Assert.True(File.Exists(Path.Combine(dir.FullName, file)), file);
            }
            using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(report.FullName));
            Assert.Equal(2, json.RootElement.GetProperty("epochs_run").GetInt32());
            Assert.True(json.RootElement.GetProperty("gates_passed").GetBoolean());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Command_without_a_connection_string_fails_clearly()
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var code = await TrainTwinCommand.Create(_ => Task.FromResult("")).Parse(["--epochs", "1"]).InvokeAsync();
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains("no PostgreSQL connection string", error.ToString());
    }
}
