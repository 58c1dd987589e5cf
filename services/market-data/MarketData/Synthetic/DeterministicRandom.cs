namespace Platform.MarketData.Synthetic;

/// <summary>
/// Independent, reproducible random streams: one per (seed, purpose, index), so property 17 is the same whether 100 or
/// 100 000 properties are generated, and streams can be consumed in any order. System.Random with an explicit seed
/// uses a fixed algorithm, stable across runs and platforms.
/// </summary>
internal static class DeterministicRandom
{
    public const int PropertyStream = 1;
    public const int UserStream = 2;
    public const int InteractionStream = 3;

    public static Random For(int seed, int stream, int index)
    {
        // SplitMix64 finaliser over the packed inputs (HashCode is randomised per process, so it cannot be used here).
        var z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)stream << 32 | (uint)index));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFFFFFF));
    }

    public static double NextGaussian(this Random random, double mean = 0, double sd = 1)
    {
        // Box-Muller; 1 - NextDouble() keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public static int NextWeighted(this Random random, IReadOnlyList<double> weights)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Count; i++) total += weights[i];
        var target = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }

        return weights.Count - 1;
    }

    /// <summary>Standard Gumbel draw: adding it to utilities and taking the arg-max samples a softmax choice.</summary>
    public static double NextGumbel(this Random random) => -Math.Log(-Math.Log(Math.Clamp(random.NextDouble(), 1e-12, 1 - 1e-12)));
}
