using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.Host.Commands;

/// <summary>
/// <c>twin</c> (under <c>platform train</c>): loads a tenant's interactions from PostgreSQL, trains, writes the model,
/// checkpoints, history and REPORT.json. Exits 1 on bad input or too little data, 2 when quality gates fail.
/// </summary>
public static class TrainTwinCommand
{
    /// <param name="connectionString">The platform's PostgreSQL, asked for only when --connection-string is not given.</param>
    public static Command Create(Func<CancellationToken, Task<string>> connectionString)
    {
        var defaults = new TwinTrainingOptions();
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose data to train on.", DefaultValueFactory = _ => "demo" };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs (early stopping ends sooner).", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Positives per batch; for ~1M interactions on a small CPU use 1024.", DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<double>("--learning-rate") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => defaults.Device };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var lookback = new Option<int>("--lookback-days") { Description = "Use interactions of the N days up to the newest one.", DefaultValueFactory = _ => 365 };
        var validationSplit = new Option<double>("--val-split") { Description = "Share of users held out for validation.", DefaultValueFactory = _ => defaults.ValidationSplit };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder for model, checkpoints, history.", DefaultValueFactory = _ => new DirectoryInfo("artifacts/twin") };
        var report = new Option<FileInfo?>("--report") { Description = "Write REPORT.json here." };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => defaults.Seed };
        var maxSteps = new Option<int?>("--max-steps-per-epoch") { Description = "Cap on optimiser steps per epoch (default: a full pass)." };
        var temperature = new Option<double>("--temperature") { Description = "InfoNCE temperature.", DefaultValueFactory = _ => defaults.Temperature };
        var stopOn = new Option<EarlyStoppingMetric>("--early-stopping") { Description = "F1 or NdcgAt10: the validation metric that picks the best epoch.", DefaultValueFactory = _ => defaults.EarlyStopping };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads (0: library default).", DefaultValueFactory = _ => 0 };
        var connection = new Option<string?>("--connection-string") { Description = "PostgreSQL connection string (default: the platform's: ConnectionStrings__Postgres, PLATFORM_POSTGRES or the local cluster)." };

        var command = new Command("twin", "Train the Portfolio Twin recommender on a tenant's interactions.");
        foreach (var option in new Option[] { tenant, epochs, batchSize, learningRate, device, lookback, validationSplit, output, report, seed, maxSteps, temperature, stopOn, threads, connection })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var database = result.GetValue(connection) ?? await connectionString(cancellationToken);
            if (string.IsNullOrWhiteSpace(database))
            {
                await Console.Error.WriteLineAsync("error: no PostgreSQL connection string: pass --connection-string or set PLATFORM_POSTGRES.");
                return 1;
            }
            var options = new TwinTrainingOptions
            {
                TenantId = result.GetValue(tenant)!,
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batchSize),
                LearningRate = result.GetValue(learningRate),
                Device = result.GetValue(device)!,
                ValidationSplit = result.GetValue(validationSplit),
                OutputDirectory = result.GetValue(output)!.FullName,
                Seed = result.GetValue(seed),
                MaxStepsPerEpoch = result.GetValue(maxSteps),
                Temperature = result.GetValue(temperature),
                EarlyStopping = result.GetValue(stopOn),
                Threads = result.GetValue(threads),
            };
            await using var dataSource = NpgsqlDataSource.Create(database);
            var days = result.GetValue(lookback);
            TwinDataset data;
            try
            {
                data = await new PostgresInteractionSource(new TenantConnectionFactory(dataSource), options.TenantId).LoadAsync(days, cancellationToken);
            }
            catch (ArgumentOutOfRangeException ex)
            {
                await Console.Error.WriteLineAsync($"error: --lookback-days: {ex.Message}");
                return 1;
            }

            await Console.Out.WriteLineAsync(DescribeWindow(data, days));
            return await RunAsync(data, options, result.GetValue(report), cancellationToken);
        });
        return command;
    }

    /// <summary>The interaction window the lookback selected, counted back from the tenant's newest interaction.</summary>
    internal static string DescribeWindow(TwinDataset data, int lookbackDays)
    {
        if (data.Interactions.Count == 0)
        {
            return $"interactions: none for tenant (lookback {lookbackDays} days up to the newest interaction)";
        }

        var oldest = data.Interactions.Min(i => i.OccurredAt);
        var newest = data.Interactions.Max(i => i.OccurredAt);
        return string.Create(CultureInfo.InvariantCulture,
            $"interactions: {newest.AddDays(-lookbackDays):yyyy-MM-dd} to {newest:yyyy-MM-dd} (the {lookbackDays} days up to the newest interaction; oldest used {oldest:yyyy-MM-dd})");
    }

    /// <summary>Trains on a loaded data set (from PostgreSQL or any other source) and writes outputs; the exit code of the command.</summary>
    public static async Task<int> RunAsync(TwinDataset data, TwinTrainingOptions options, FileInfo? reportFile, CancellationToken cancellationToken = default)
    {
        try
        {
            options.Validate();
            await Console.Out.WriteLineAsync($"training twin for tenant '{options.TenantId}': {data.Properties.Count:N0} properties, {data.Users.Count:N0} users, {data.Interactions.Count:N0} interactions");
            var training = new TwinTrainer().Train(data, options, new SynchronousProgress(PrintEpoch), cancellationToken);
            using var model = training.Model;
            if (options.OutputDirectory is { } dir)
            {
                await using var file = File.Create(Path.Combine(dir, "twin.model"));
                model.Save(file);
            }
            if (reportFile is not null)
            {
                reportFile.Directory?.Create();
                await File.WriteAllTextAsync(reportFile.FullName, JsonSerializer.Serialize(training.Report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            }
            var r = training.Report;
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"accuracy {r.Accuracy:F3}  precision {r.Precision:F3}  recall {r.Recall:F3}  F1 {r.F1:F3}  AUC {r.Auc:F3}  P@10 {r.PrecisionAt10:F3}  R@10 {r.RecallAt10:F3}  NDCG@10 {r.NdcgAt10:F3}  ({r.EpochsRun} epochs, {r.TrainSeconds:F0} s)"));
            if (!r.GatesPassed)
            {
                await Console.Error.WriteLineAsync($"quality gates failed: {string.Join("; ", r.GateFailures)}");
                return 2;
            }
            return 0;
        }
        catch (Exception ex) when (ex is InsufficientDataException or ArgumentException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    internal static void PrintEpoch(EpochRecord e) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {e.Epoch,3}  loss {e.TrainLoss:F4}  val F1 {e.ValidationF1:F3}  acc {e.ValidationAccuracy:F3}  AUC {e.ValidationAuc:F3}  NDCG@10 {e.ValidationNdcgAt10:F3}  {e.Seconds:F1} s{(e.IsBest ? "  *best" : "")}"));
}
