using System.Diagnostics;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model.Baselines;
using Platform.PortfolioTwin.Model.Data;
using Platform.PortfolioTwin.Model.Evaluation;
using Platform.PortfolioTwin.Model.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.PortfolioTwin.Model.Training;

/// <summary>Everything a training run produced. The caller owns (and disposes) <see cref="Model"/>.</summary>
public sealed record TwinTrainingResult(
    TwinModel Model,
    IReadOnlyList<EpochRecord> History,
    ClassificationMetrics Validation,
    RankingMetrics ValidationRanking,
    TwinReport Report,
    EvaluationSplit Split,
    InteractionIndex Index);

/// <summary>Raised when the data is below <see cref="TwinDataRequirements"/>; the message names the threshold.</summary>
public sealed class InsufficientDataException(string message) : Exception(message);

/// <summary>
/// Trains the twin with InfoNCE: each positive (user, property) pair is pulled together against the other
/// properties in the batch, half of which are negatives (the user's dislikes or properties sampled from a pool
/// of untouched ones). Validation folds held-out users in from their first interactions and scores the rest: the
/// selection half picks the decision threshold and the best epoch (<see cref="TwinTrainingOptions.EarlyStopping"/>),
/// the test half gives the reported metrics.
/// </summary>
public sealed class TwinTrainer
{
    public TwinTrainingResult Train(TwinDataset data, TwinTrainingOptions options, IProgress<EpochRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (options.Requirements.Check(data) is { } problem) throw new InsufficientDataException(problem);
        var index = new InteractionIndex(data);
        var split = EvaluationSplit.Create(index, options.ValidationSplit, options.Seed);
        return Train(index, split, data.EstimatedValues, options, progress, cancellationToken);
    }

    /// <summary>Trains on a prepared split (the benchmark uses it to hold out cold-start items as well).</summary>
    public TwinTrainingResult Train(InteractionIndex index, EvaluationSplit split, IReadOnlyDictionary<string, double> estimatedValues, TwinTrainingOptions options, IProgress<EpochRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var device = ResolveDevice(options.Device);
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();

        var rawFeatures = new float[index.Properties.Count][];
        Parallel.For(0, rawFeatures.Length, i =>
        {
            double? estimate = estimatedValues.TryGetValue(index.Properties[i].PropertyId, out var v) ? v : null;
            rawFeatures[i] = PropertyFeatureBuilder.Build(index.Properties[i], estimate);
        });
        var scaler = FeatureScaler.Fit(rawFeatures);
        var scaled = new float[rawFeatures.Length * PropertyFeatureBuilder.FeatureCount];
        for (var i = 0; i < rawFeatures.Length; i++)
        {
            var row = scaled.AsSpan(i * PropertyFeatureBuilder.FeatureCount, PropertyFeatureBuilder.FeatureCount);
            rawFeatures[i].CopyTo(row);
            scaler.TransformInPlace(row);
        }

        var pairs = new List<(int User, int Property, float Weight)>();
        var dislikes = new int[split.TrainUsers.Length][];
        var counts = new int[split.TrainUsers.Length];
        for (var u = 0; u < split.TrainUsers.Length; u++)
        {
            var signals = split.TrainSignals(index, split.TrainUsers[u]);
            counts[u] = signals.Length;
            foreach (var s in signals.Where(s => s.IsPositive)) pairs.Add((u, s.Property, options.Weights.Of(s.Kind)));
            dislikes[u] = [.. signals.Where(s => s.Kind == InteractionKind.Dislike).Select(s => s.Property)];
        }
        if (pairs.Count == 0) throw new InsufficientDataException("too little data: no positive interactions among training users.");
        var warmProperties = Enumerable.Range(0, index.Properties.Count).Where(p => !split.IsCold[p]).ToArray();

        using var allFeatures = torch.tensor(scaled, [index.Properties.Count, PropertyFeatureBuilder.FeatureCount], device: device);
        using var encoder = new PropertyEncoder(options.Dropout);
        encoder.to(device);
        using var userTable = new TorchSharp.Modules.Parameter(torch.randn(split.TrainUsers.Length, PropertyEncoder.EmbeddingSize, device: device) * 0.01);
        var parameters = encoder.parameters().Append(userTable).ToList();
        using var optimizer = optim.Adam(parameters, lr: options.LearningRate);

        var popular = Popularity.Top(index, split, null, 100, options.Weights);
        var popularBySegment = index.Segments.Values.Distinct().Order(StringComparer.Ordinal).ToDictionary(s => s, s => Popularity.Top(index, split, s, 100, options.Weights));
        TwinModelMetadata MetadataFor(EpochSnapshot snapshot, double threshold, int epoch) => new()
        {
            CatalogCentroid = snapshot.Centroid,
            TenantId = options.TenantId,
            TrainedAt = DateTimeOffset.UtcNow,
            Seed = options.Seed,
            Temperature = options.Temperature,
            DecisionThreshold = threshold,
            EpochsRun = epoch,
            PopularProperties = popular,
            PopularBySegment = popularBySegment,
            Weights = options.Weights,
        };

        var history = new List<EpochRecord>();
        byte[]? best = null;
        var bestCriterion = double.NegativeInfinity;
        var bestThreshold = 0.5;
        var epochsWithoutImprovement = 0;
        var steps = (int)Math.Ceiling(pairs.Count / (double)options.BatchSize);
        if (options.MaxStepsPerEpoch is { } cap) steps = Math.Min(steps, cap);
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        var cursor = order.Length;
        int[] pool = [];

        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            encoder.train();
            pool = Enumerable.Range(0, Math.Min(options.NegativePoolSize, warmProperties.Length)).Select(_ => warmProperties[random.Next(warmProperties.Length)]).ToArray();
            double lossSum = 0;
            for (var step = 0; step < steps; step++)
            {
                var batch = new (int User, int Property, float Weight)[Math.Min(options.BatchSize, pairs.Count)];
                for (var b = 0; b < batch.Length; b++)
                {
                    // Walk a reshuffled permutation so capped epochs still cover all positives over time.
                    if (cursor >= order.Length) { random.Shuffle(order); cursor = 0; }
                    batch[b] = pairs[order[cursor++]];
                }
                lossSum += Step(batch);
            }
            var trainLoss = lossSum / steps;

            using var snapshot = Snapshot();
            // Only selection users steer training (threshold, best epoch); test users stay unseen until the report.
            var calibration = TwinEvaluator.Pairs(snapshot.Scorer, index, split.SelectionUsers, options.Seed);
            var threshold = TwinEvaluator.BestThreshold(calibration);
            var validation = TwinEvaluator.Classification(calibration, threshold);
            var ndcg = TwinEvaluator.Ranking(snapshot.Scorer, index, split.SelectionUsers, p => !split.IsCold[p], [10]).NdcgAtK[10];
            var criterion = options.EarlyStopping == EarlyStoppingMetric.NdcgAt10 ? ndcg : validation.F1;
            var isBest = criterion > bestCriterion || best is null;
            if (isBest)
            {
                bestCriterion = criterion;
                bestThreshold = threshold;
                best = Serialize(snapshot.Model.WithMetadata(MetadataFor(snapshot, threshold, epoch)));
                epochsWithoutImprovement = 0;
            }
            else
            {
                epochsWithoutImprovement++;
            }
            var record = new EpochRecord(epoch, trainLoss, validation.F1, validation.Accuracy, validation.Auc, ndcg, epochClock.Elapsed.TotalSeconds, isBest);
            history.Add(record);
            progress?.Report(record);
            if (options.OutputDirectory is { } dir)
            {
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, "twin-latest.model"), Serialize(snapshot.Model.WithMetadata(MetadataFor(snapshot, threshold, epoch))));
                if (isBest) File.WriteAllBytes(Path.Combine(dir, "twin-best.model"), best!);
            }
            if (epochsWithoutImprovement >= options.Patience) break;
        }

        var trainSeconds = clock.Elapsed.TotalSeconds;
        var model = TwinModel.Load(new MemoryStream(best!));
        var embeddings = model.EncodeScaled(scaled, index.Properties.Count);
        var finite = embeddings.All(e => e.All(float.IsFinite));
        var scorer = new TwinScorer(embeddings, model.Metadata.CatalogCentroid, options.Weights);
        var finalPairs = TwinEvaluator.Pairs(scorer, index, split.TestUsers, options.Seed + 1);
        var finalValidation = TwinEvaluator.Classification(finalPairs, bestThreshold);
        var ranking = TwinEvaluator.Ranking(scorer, index, split.TestUsers, p => !split.IsCold[p]);
        var gateFailures = options.Gates.Check(finalValidation.F1, finalValidation.Accuracy, finite, history[0].TrainLoss, history.Min(h => h.TrainLoss));
        var report = new TwinReport
        {
            Accuracy = finalValidation.Accuracy,
            Precision = finalValidation.Precision,
            Recall = finalValidation.Recall,
            F1 = finalValidation.F1,
            Auc = finalValidation.Auc,
            PrecisionAt10 = ranking.PrecisionAtK[10],
            RecallAt10 = ranking.RecallAtK[10],
            NdcgAt10 = ranking.NdcgAtK[10],
            EpochsRun = history.Count,
            TrainSeconds = trainSeconds,
            GatesPassed = gateFailures.Count == 0,
            GateFailures = gateFailures,
            Ranking = ranking,
            Roc = TwinEvaluator.RocCurve(finalPairs),
        };
        var withMetrics = WithMetrics(model, report);
        if (options.OutputDirectory is { } outDir)
        {
            File.WriteAllBytes(Path.Combine(outDir, "twin-best.model"), Serialize(withMetrics));
            TrainingHistory.Write(outDir, history);
        }
        return new TwinTrainingResult(withMetrics, history, finalValidation, ranking, report, split, index);

        double Step((int User, int Property, float Weight)[] batch)
        {
            using var scope = torch.NewDisposeScope();
            var b = batch.Length;
            var positives = batch.Select(x => (long)x.Property).ToArray();
            var negatives = new long[b];
            for (var i = 0; i < b; i++)
            {
                var own = dislikes[batch[i].User];
                negatives[i] = own.Length > 0 && random.NextDouble() < 0.5 ? own[random.Next(own.Length)] : pool[random.Next(pool.Length)];
            }
            var columns = torch.tensor(positives.Concat(negatives).ToArray(), device: device);
            var propertyEmbeddings = encoder.call(allFeatures.index_select(0, columns));
            var users = nn.functional.normalize(userTable.index_select(0, torch.tensor(batch.Select(x => (long)x.User).ToArray(), device: device)), p: 2, dim: 1);
            var logits = users.matmul(propertyEmbeddings.t()) / options.Temperature;
            // A column holding the row's own positive property (a duplicate in the batch) is not a negative.
            var positiveTensor = torch.tensor(positives, device: device);
            var sameProperty = columns.unsqueeze(0).eq(positiveTensor.unsqueeze(1));
            var target = torch.arange(b, dtype: ScalarType.Int64, device: device);
            var notTarget = torch.eye(b, 2 * b, dtype: ScalarType.Bool, device: device).logical_not();
            logits = logits.masked_fill(sameProperty.logical_and(notTarget), float.NegativeInfinity);
            var weights = torch.tensor(batch.Select(x => x.Weight).ToArray(), device: device);
            var loss = (nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.None) * weights).sum() / weights.sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        EpochSnapshot Snapshot()
        {
            encoder.eval();
            float[] userFlat;
            using (torch.NewDisposeScope())
            using (torch.no_grad())
            {
                userFlat = nn.functional.normalize(userTable, p: 2, dim: 1).cpu().data<float>().ToArray();
            }
            var userVectors = new float[split.TrainUsers.Length][];
            for (var u = 0; u < userVectors.Length; u++) userVectors[u] = userFlat.AsSpan(u * PropertyEncoder.EmbeddingSize, PropertyEncoder.EmbeddingSize).ToArray();
            var copy = new PropertyEncoder(options.Dropout);
            copy.load_state_dict(encoder.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.cpu()));
            var live = new TwinModel(copy, scaler, [.. split.TrainUsers.Select(u => index.UserIds[u])], userVectors, counts, new TwinModelMetadata());
            var embeddings = live.EncodeScaled(scaled, index.Properties.Count);
            var centroid = UserFoldIn.Centroid(embeddings);
            return new EpochSnapshot(live, centroid, new TwinScorer(embeddings, centroid, options.Weights));
        }
    }

    private static byte[] Serialize(TwinModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    private static TwinModel WithMetrics(TwinModel model, TwinReport report)
    {
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = report.Accuracy,
            ["precision"] = report.Precision,
            ["recall"] = report.Recall,
            ["f1"] = report.F1,
            ["auc"] = report.Auc,
            ["precision_at_10"] = report.PrecisionAt10,
            ["recall_at_10"] = report.RecallAt10,
            ["ndcg_at_10"] = report.NdcgAt10,
        };
        return model.WithMetadata(model.Metadata with { Metrics = metrics, EpochsRun = report.EpochsRun });
    }

    private static Device ResolveDevice(string name)
    {
        if (name == "cuda")
        {
            if (!torch.cuda.is_available()) throw new ArgumentException("device 'cuda' requested but CUDA is not available (the CPU libtorch package is referenced).");
            return torch.CUDA;
        }
        return torch.CPU;
    }

    /// <summary>The model as it stands after an epoch, with its catalogue centroid and a scorer for validation.</summary>
    private sealed class EpochSnapshot(TwinModel model, float[] centroid, TwinScorer scorer) : IDisposable
    {
        public TwinModel Model => model;
        public float[] Centroid => centroid;
        public TwinScorer Scorer => scorer;
        public void Dispose() => model.Dispose();
    }
}
