using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>A dataset CSV as the price pipeline's activities use it: the parsed rows and the SHA-256 of the file's bytes.</summary>
public sealed record ParsedPriceSnapshot(SalesDataset Dataset, string Sha256);

/// <summary>
/// The parsed price datasets of recent runs, keyed by the CSV's artifact id, so one run parses its snapshot once (in the data
/// check that stages it) instead of once per activity. Staged CSVs are written once per run (their id names the workflow
/// instance) and never edited; a retried data check re-stages and replaces the entry. The cache is per process and bounded
/// (least recently used goes first): an activity that runs in another process, or after its entry was evicted, reads and
/// parses the artifact itself, so the cache only ever saves work and never changes a result.
/// </summary>
public sealed class PriceSnapshotCache
{
    public const string MeterName = "Platform.TrainingWorkflow";

    private readonly IArtifactStore _artifacts;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Id, ParsedPriceSnapshot Snapshot)> _entries = new();
    private readonly Counter<long> _parses;
    private readonly Counter<long> _hits;

    public PriceSnapshotCache(IArtifactStore artifacts, IOptions<TrainingPipelineOptions> options, IMeterFactory meterFactory)
    {
        _artifacts = artifacts;
        _capacity = options.Value.SnapshotCacheEntries;
        var meter = meterFactory.Create(MeterName);
        _parses = meter.CreateCounter<long>("training.snapshot.parses", unit: "{parse}", description: "Price dataset CSVs parsed by the pipeline.");
        _hits = meter.CreateCounter<long>("training.snapshot.cache_hits", unit: "{hit}", description: "Activities that found their run's parsed dataset in the cache.");
    }

    /// <summary>Parses <paramref name="csv"/> (read from <paramref name="artifactId"/>) and keeps the result for the run's later activities.</summary>
    public ParsedPriceSnapshot Parse(string artifactId, byte[] csv, string source)
    {
        _parses.Add(1);
        var parsed = new ParsedPriceSnapshot(PriceDatasetFormat.Read(csv, source), Convert.ToHexStringLower(SHA256.HashData(csv)));
        Put(artifactId, parsed);
        return parsed;
    }

    /// <summary>The parsed dataset of <paramref name="artifactId"/>: from the cache, or read from the artifact store and parsed.</summary>
    public async Task<ParsedPriceSnapshot> GetAsync(string artifactId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Find(artifactId) is { } node)
            {
                _entries.Remove(node);
                _entries.AddFirst(node);
                _hits.Add(1);
                return node.Value.Snapshot;
            }
        }

        var bytes = await ArtifactJson.ReadBytesAsync(_artifacts, artifactId, cancellationToken).ConfigureAwait(false);
        return Parse(artifactId, bytes, artifactId);
    }

    private void Put(string artifactId, ParsedPriceSnapshot parsed)
    {
        if (_capacity == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (Find(artifactId) is { } stale)
            {
                _entries.Remove(stale);
            }

            _entries.AddFirst((artifactId, parsed));
            while (_entries.Count > _capacity)
            {
                _entries.RemoveLast();
            }
        }
    }

    private LinkedListNode<(string Id, ParsedPriceSnapshot Snapshot)>? Find(string artifactId)
    {
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == artifactId)
            {
                return node;
            }
        }

        return null;
    }
}
