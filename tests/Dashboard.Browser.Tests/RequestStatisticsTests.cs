using Microsoft.Extensions.Time.Testing;
using Platform.Dashboard.Monitoring;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>The Monitoring page's reading of the Prometheus request histogram (no browser, no host).</summary>
public sealed class RequestStatisticsTests
{
    // 100 requests of POST /estimate: 50 under 5 ms, 40 more under 10 ms, 10 more under 100 ms; two of them answered 500.
    private const string Exposition = """
        # TYPE http_server_request_duration_seconds histogram
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/estimate",le="0.005"} 50
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/estimate",le="0.01"} 88
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/estimate",le="0.1"} 98
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/estimate",le="+Inf"} 98
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="500",http_route="/estimate",le="0.005"} 0
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="500",http_route="/estimate",le="0.01"} 2
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="500",http_route="/estimate",le="0.1"} 2
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="500",http_route="/estimate",le="+Inf"} 2
        http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/estimate"} 98
        other_metric_bucket{le="+Inf"} 7
        """;

    [Fact]
    public void Percentiles_interpolate_inside_the_bucket_and_5xx_are_counted()
    {
        var route = Assert.Single(new RequestStatistics(new FakeTimeProvider()).Read(Exposition));
        Assert.Equal(("POST", "/estimate", 100L, 2L), (route.Method, route.Route, route.Requests, route.Errors));
        Assert.Equal(5.0, route.P50Ms, 6);          // rank 50 is the top of the first bucket
        Assert.Equal(10 + 90 * 0.5, route.P95Ms, 6); // rank 95 lies half-way through (0.01, 0.1]
        Assert.Equal(10 + 90 * 0.9, route.P99Ms, 6);  // rank 99: nine tenths through it
        Assert.Null(route.RatePerSecond);            // no earlier reading yet
    }

    [Fact]
    public void The_rate_is_the_change_since_the_previous_reading()
    {
        var time = new FakeTimeProvider();
        var statistics = new RequestStatistics(time);
        statistics.Read(Exposition);
        time.Advance(TimeSpan.FromSeconds(10));
        var later = Exposition.Replace("le=\"+Inf\"} 98", "le=\"+Inf\"} 148", StringComparison.Ordinal);
        Assert.Equal(5.0, Assert.Single(statistics.Read(later)).RatePerSecond!.Value, 6);
    }
}
