using Platform.MarketData.Domain;

namespace Platform.MarketData.Tests;

/// <summary>The one date rule: each kind of date (interactions, sales) is accepted from its earliest day to a day after the clock.</summary>
public sealed class DateInputTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, DateTimeOffset, bool> Dates => new()
    {
        { "interaction", new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), true },
        { "interaction", new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero), false },
        { "interaction", Now.AddDays(1), true },
        { "interaction", Now.AddDays(1).AddTicks(1), false },
        { "sale", new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero), true },
        { "sale", new DateTimeOffset(1899, 12, 31, 0, 0, 0, TimeSpan.Zero), false },
        { "sale", DateTimeOffset.MinValue, false },
        { "sale", DateTimeOffset.MaxValue, false },
        { "sale", Now, true },
        { "sale", Now.AddYears(1), false },
    };

    [Theory]
    [MemberData(nameof(Dates))]
    public void A_date_is_accepted_within_its_kinds_range_only(string kind, DateTimeOffset value, bool accepted)
    {
        var rule = kind == "sale" ? DateInput.Sale : DateInput.Interaction;

        var problem = rule.Problem(value, Now);

        Assert.Equal(accepted, problem is null);
        if (problem is not null)
        {
            Assert.Contains($"[{rule.Earliest:yyyy-MM-dd}, now + 24 h]", problem, StringComparison.Ordinal);
        }
    }
}
