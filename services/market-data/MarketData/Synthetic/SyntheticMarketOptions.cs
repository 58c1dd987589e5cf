namespace Platform.MarketData.Synthetic;

/// <summary>Size and shape of a synthetic market. The same options always produce the same data.</summary>
public sealed record SyntheticMarketOptions
{
    public int Properties { get; init; } = 10_000;
    public int Users { get; init; } = 500;
    public int Seed { get; init; } = 7;
    public string TenantId { get; init; } = "demo";

    /// <summary>First day of the simulated period; listings and sales fall within <see cref="Years"/> from here.</summary>
    public DateOnly StartDate { get; init; } = new(2019, 1, 1);
    public int Years { get; init; } = 5;

    /// <summary>Average interactions (views, likes, dislikes, outreach, deals together) per user.</summary>
    public int InteractionsPerUser { get; init; } = 500;

    /// <summary>Share of properties that sold within the period (the rest are active or withdrawn listings).</summary>
    public double SoldShare { get; init; } = 0.6;

    public DateOnly EndDate => StartDate.AddYears(Years);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Properties < 1) throw new ArgumentException($"properties must be at least 1 (got {Properties}).", nameof(Properties));
        if (Users < 0) throw new ArgumentException($"users must not be negative (got {Users}).", nameof(Users));
        if (Years < 1) throw new ArgumentException($"years must be at least 1 (got {Years}).", nameof(Years));
        if (InteractionsPerUser < 1) throw new ArgumentException($"interactions per user must be at least 1 (got {InteractionsPerUser}).", nameof(InteractionsPerUser));
        if (SoldShare is < 0 or > 0.95) throw new ArgumentException($"sold share must be within 0..0.95 (got {SoldShare}).", nameof(SoldShare));
        Postgres.TenantId.Validate(TenantId, "tenant");
    }
}
