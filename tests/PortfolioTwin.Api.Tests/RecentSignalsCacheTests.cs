using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Tests;

public sealed class RecentSignalsCacheTests
{
    private static readonly RecentSignals Old = new(3, ["p1"]);
    private static readonly RecentSignals Fresh = new(4, ["p1", "p2"]);

    [Fact]
    public void Signals_are_served_from_memory_until_the_ttl_runs_out()
    {
        var time = new FakeTimeProvider();
        var cache = Cache(time, seconds: 5);

        cache.Set("t", "u", Old, cache.ReadStarting());
        time.Advance(TimeSpan.FromSeconds(4.9));
        var within = cache.Get("t", "u");
        time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Same(Old, within);
        Assert.Null(cache.Get("t", "u"));
        Assert.Null(cache.Get("other-tenant", "u"));
    }

    [Fact]
    public void A_read_begun_before_an_invalidation_never_brings_back_the_old_signals()
    {
        var time = new FakeTimeProvider();
        var cache = Cache(time, seconds: 60);
        cache.Set("t", "u", Old, cache.ReadStarting());

        var slowRead = cache.ReadStarting();
        time.Advance(TimeSpan.FromMilliseconds(1));
        cache.Invalidate("t", "u");
        var afterInvalidation = cache.Get("t", "u");
        cache.Set("t", "u", Old, slowRead);
        var afterSlowRead = cache.Get("t", "u");
        time.Advance(TimeSpan.FromMilliseconds(1));
        cache.Set("t", "u", Fresh, cache.ReadStarting());

        Assert.Null(afterInvalidation);
        Assert.Null(afterSlowRead);
        Assert.Same(Fresh, cache.Get("t", "u"));
    }

    [Fact]
    public void A_ttl_of_zero_keeps_nothing_and_the_size_bound_holds()
    {
        var time = new FakeTimeProvider();
        var off = Cache(time, seconds: 0);
        off.Set("t", "u", Old, off.ReadStarting());

        var bounded = Cache(time, seconds: 60, size: 10);
        for (var i = 0; i < 100; i++)
        {
            bounded.Set("t", $"u{i}", Old, bounded.ReadStarting());
            time.Advance(TimeSpan.FromTicks(1));
        }

        Assert.Null(off.Get("t", "u"));
        Assert.Equal(0, off.Count);
        Assert.InRange(bounded.Count, 1, 10);
        Assert.Same(Old, bounded.Get("t", "u99"));
    }

    private static RecentSignalsCache Cache(TimeProvider time, double seconds, int size = 1_000) => new(
        new ServiceCollection()
            .Configure<PortfolioTwinOptions>(o =>
            {
                o.RecentSignalsCacheSeconds = seconds;
                o.RecentSignalsCacheSize = size;
            })
            .BuildServiceProvider()
            .GetRequiredService<IOptionsMonitor<PortfolioTwinOptions>>(),
        time);
}
