using System.Diagnostics;
using Dapr.Workflow;
using Platform.BuildingBlocks.Artifacts;
using Platform.Valuation.Model.Training;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>Trains a price model on the snapshot minus its holdout and stages the model file as an artifact.</summary>
public sealed class TrainPriceModelActivity(IArtifactStore artifacts, PriceSnapshotCache snapshots) : WorkflowActivity<TrainPriceModelRequest, TrainedPriceModel>
{
    public override async Task<TrainedPriceModel> RunAsync(WorkflowActivityContext context, TrainPriceModelRequest input)
    {
        var cancellationToken = CancellationToken.None; // Dapr gives activities no token: one runs to its end; a result for an ended instance is dropped.
        var dataset = (await snapshots.GetAsync(input.Snapshot.CsvArtifactId, cancellationToken).ConfigureAwait(false)).Dataset;
        var training = dataset.Rows.Where(r => !PriceDatasetFormat.IsHoldout(r, input.HoldoutShare)).ToList();
        var clock = Stopwatch.StartNew();
        // Training is CPU-bound and synchronous: keep it off the thread that serves the SDK worker's work items.
        var model = await Task.Run(
            () => PriceModelTrainer.Train(training, dataset.Schema, input.Training.ToOptions(input.Seed), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        using var file = new MemoryStream();
        model.Save(file);
        file.Position = 0;
        var modelId = $"training/{context.InstanceId}/price-model.bin";
        await artifacts.PutAsync(modelId, file, cancellationToken).ConfigureAwait(false);
        return new TrainedPriceModel(
            modelId, training.Count, dataset.Rows.Count - training.Count, Math.Round(clock.Elapsed.TotalSeconds, 3), model.Training?.Describe());
    }
}
