namespace Platform.MarketData.Domain;

/// <summary>
/// The one rule for a date a caller sends: from <see cref="Earliest"/> to <see cref="AheadOfClock"/> after the server's clock
/// (clients' clocks drift). Year 1 and year 9999 parse as dates; they are typing errors or probes, and what is trained on
/// them (an interaction's recency, a sale's decimal year) would be skewed by them. Each kind of date names its range here,
/// with the market's data, so the services (<c>/estimate</c>, interactions), <c>platform import</c> and the price model's CSV
/// reader, which may not reference the hosting building blocks, apply the same ranges.
/// </summary>
public sealed record DateInput(DateTimeOffset Earliest, TimeSpan AheadOfClock)
{
    /// <summary>Interactions: the platform's users act online, and nothing it ingests is older than 2000.</summary>
    public static DateInput Interaction { get; } = new(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(1));

    /// <summary>A sale's date (the date an estimate prices a property at): no sale the platform learns from or prices predates 1900.</summary>
    public static DateInput Sale { get; } = new(new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(1));

    /// <summary>Why <paramref name="value"/> is outside the range at <paramref name="now"/>, or null when it is inside.</summary>
    public string? Problem(DateTimeOffset value, DateTimeOffset now) =>
        value < Earliest || value > now + AheadOfClock
            ? $"{value:O} is outside the accepted range [{Earliest:yyyy-MM-dd}, now + {AheadOfClock.TotalHours:0} h]."
            : null;

    /// <summary>As <see cref="Problem(DateTimeOffset, DateTimeOffset)"/> for a date parsed as UTC (a CSV cell, a JSON string).</summary>
    public string? Problem(DateTime utc, DateTimeOffset now) => Problem(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), now);
}
