using BenchmarkDotNet.Running;
using Platform.Benchmarks;

// `latency` prints p50/p95/p99 of single calls (BenchmarkDotNet reports means and percentiles of batched iterations);
// anything else goes to BenchmarkDotNet, e.g. `--filter *VectorIndex*`.
if (args is ["latency", ..])
{
    return await VectorIndexLatency.RunAsync(args[1..]);
}

// `adapters` prints the same for the embedded index and the Qdrant adapter over the in-process gRPC fake, side by side.
if (args is ["adapters", ..])
{
    return await VectorIndexAdapterLatency.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(VectorIndexBenchmarks).Assembly).Run(args);
return 0;
