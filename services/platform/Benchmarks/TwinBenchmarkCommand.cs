using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Platform.Host.Commands;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Model.Baselines;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;
using Platform.PortfolioTwin.Model.Training;

namespace Platform.Host.Commands;

/// <summary>
/// <c>twin-baselines</c>: generates a synthetic market (ground truth known), trains the twin and the baselines on
/// one split (EASE on markets up to its size limit) and prints Recall@10 / NDCG@10 for held-out users on warm and cold-start items, plus timings.
/// </summary>
public static class TwinBenchmarkCommand
{
    public static Command Create()
    {
        // Training defaults are the platform's, so the table shows what a default retraining delivers.
        var defaults = new TwinTrainingOptions();
        var properties = new Option<int>("--properties") { Description = "Synthetic properties.", DefaultValueFactory = _ => 5_000 };
        var users = new Option<int>("--users") { Description = "Synthetic users.", DefaultValueFactory = _ => 300 };
        var perUser = new Option<int>("--interactions-per-user") { Description = "Average interactions per user.", DefaultValueFactory = _ => 150 };
        var seed = new Option<int>("--seed") { Description = "Seed for data, split and model.", DefaultValueFactory = _ => 42 };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs (early stopping ends sooner).", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Positives per batch (as many negatives are added).", DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<double>("--learning-rate") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var maxSteps = new Option<int?>("--max-steps-per-epoch") { Description = "Cap on optimiser steps per epoch." };
        var threads = new Option<int>("--threads") { Description = "Torch threads (0: library default; 1 is fastest on a busy machine).", DefaultValueFactory = _ => 1 };
        var coldShare = new Option<double>("--cold-share") { Description = "Share of properties held out as cold-start items.", DefaultValueFactory = _ => 0.1 };
        var patience = new Option<int>("--patience") { Description = "Epochs without improvement before stopping.", DefaultValueFactory = _ => defaults.Patience };
        var dropout = new Option<double>("--dropout") { Description = "Encoder dropout.", DefaultValueFactory = _ => defaults.Dropout };
        var temperature = new Option<double>("--temperature") { Description = "InfoNCE temperature.", DefaultValueFactory = _ => defaults.Temperature };
        var stopOn = new Option<EarlyStoppingMetric>("--early-stopping") { Description = "F1 or NdcgAt10: what picks the best epoch.", DefaultValueFactory = _ => defaults.EarlyStopping };
        var alsDefaults = new ImplicitAlsSettings();
        var alsFactors = new Option<int>("--als-factors") { Description = "Implicit ALS latent factors.", DefaultValueFactory = _ => alsDefaults.Factors };
        var alsRegularization = new Option<double>("--als-regularization") { Description = "Implicit ALS L2 regularisation.", DefaultValueFactory = _ => alsDefaults.Regularization };
        var alsAlpha = new Option<double>("--als-alpha") { Description = "Implicit ALS confidence scale (1 + alpha x weight).", DefaultValueFactory = _ => alsDefaults.Alpha };
        var easeDefaults = new EaseSettings();
        var easeLambdas = new Option<double[]>("--ease-lambdas") { Description = "EASE L2 strengths to try; the best on selection users is kept.", DefaultValueFactory = _ => [.. easeDefaults.Lambdas], AllowMultipleArgumentsPerToken = true };
        var easeMaxProperties = new Option<int>("--ease-max-properties") { Description = "Skip EASE on larger markets (its item model is dense).", DefaultValueFactory = _ => easeDefaults.MaxProperties };
        var report = new Option<FileInfo?>("--report") { Description = "Write the comparison as JSON here." };

        var command = new Command("twin-baselines", "Compare the Portfolio Twin with most-popular, item-kNN, implicit ALS and EASE on a synthetic market.");
        foreach (var option in new Option[] { properties, users, perUser, seed, epochs, batchSize, learningRate, maxSteps, threads, coldShare, patience, dropout, temperature, stopOn, alsFactors, alsRegularization, alsAlpha, easeLambdas, easeMaxProperties, report }) command.Options.Add(option);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var console = Console.Out;
            var options = new TwinTrainingOptions
            {
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batchSize),
                LearningRate = result.GetValue(learningRate),
                MaxStepsPerEpoch = result.GetValue(maxSteps),
                Threads = result.GetValue(threads),
                Seed = result.GetValue(seed),
                Patience = result.GetValue(patience),
                Dropout = result.GetValue(dropout),
                EarlyStopping = result.GetValue(stopOn),
                Temperature = result.GetValue(temperature),
            };
            var als = alsDefaults with { Factors = result.GetValue(alsFactors), Regularization = result.GetValue(alsRegularization), Alpha = result.GetValue(alsAlpha) };
            var ease = new EaseSettings { Lambdas = result.GetValue(easeLambdas) ?? [], MaxProperties = result.GetValue(easeMaxProperties) };
            try
            {
                options.Validate();
                als.Validate();
                ease.Validate();
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }
            var generator = new SyntheticMarketGenerator(new SyntheticMarketOptions
            {
                Properties = result.GetValue(properties),
                Users = result.GetValue(users),
                InteractionsPerUser = result.GetValue(perUser),
                Seed = result.GetValue(seed),
            });
            var data = new TwinDataset(generator.Properties, [.. generator.Users.Select(u => u.User)], [.. generator.Interactions()]);
            await console.WriteLineAsync($"market: {data.Properties.Count:N0} properties, {data.Users.Count:N0} users, {data.Interactions.Count:N0} interactions");
            var comparison = BaselineComparison.Run(data, options, result.GetValue(coldShare), als, new SynchronousProgress(TrainTwinCommand.PrintEpoch), cancellationToken, ease);
            await console.WriteLineAsync($"held-out test users: {comparison.TestUsers}, cold-start items: {comparison.ColdItems}, encode {comparison.Properties:N0} properties: {comparison.EncodeSeconds:F2} s");
            await console.WriteLineAsync($"twin validation: F1 {comparison.TwinReport.F1:F3}, accuracy {comparison.TwinReport.Accuracy:F3}, AUC {comparison.TwinReport.Auc:F3}, epochs {comparison.TwinReport.EpochsRun}");
            await console.WriteLineAsync("| method | warm Recall@10 | warm NDCG@10 | cold Recall@10 | cold NDCG@10 | fit s |");
            await console.WriteLineAsync("| --- | --- | --- | --- | --- | --- |");
            foreach (var row in comparison.Rows)
            {
                await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {row.Method} | {row.WarmRecallAt10:F4} | {row.WarmNdcgAt10:F4} | {row.ColdRecallAt10:F4} | {row.ColdNdcgAt10:F4} | {row.FitSeconds:F1} |"));
            }
            foreach (var note in comparison.Notes)
            {
                await console.WriteLineAsync(note);
            }
            if (result.GetValue(report) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(comparison, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            }
            return 0;
        });
        return command;
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress(Action<EpochRecord> report) : IProgress<EpochRecord>
{
    public void Report(EpochRecord value) => report(value);
}
