using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>
/// Deterministic synthetic market: properties clustered in municipalities, sales priced by
/// <see cref="HedonicPriceModel"/>, users with latent preferences and interactions that follow them, and the ground
/// truth to score models against. Properties, sales and users are held in memory (about 300 bytes a property);
/// interactions are streamed, so a million of them cost no memory.
/// </summary>
public sealed class SyntheticMarketGenerator
{
    // Candidates a user compares before opening one listing; more candidates make views follow preferences more closely.
    private const int CandidatesPerView = 5;
    private const double HomeMunicipalityShare = 0.6;

    // Utility levels around which reactions switch on (calibrated for roughly 76 % views, 12 % likes, 8 % dislikes,
    // 3.5 % outreach and 0.4 % deals).
    private const double LikeThreshold = 4.2;
    private const double DislikeThreshold = -1.0;
    private const double OutreachThreshold = 5.5;

    private readonly List<Property> _properties;
    private readonly List<SyntheticSale> _sales;
    private readonly List<SyntheticUser> _users;
    private readonly double[] _features;
    private readonly int[][] _propertiesByMunicipality;
    private static readonly double[] MunicipalityWeights = [.. Municipalities.Norway.Select(m => m.Weight)];
    private static readonly double[] SegmentWeights = [.. UserSegments.All.Select(s => s.Weight)];

    public SyntheticMarketGenerator(SyntheticMarketOptions options)
    {
        options.Validate();
        Options = options;
        _properties = new List<Property>(options.Properties);
        _sales = new List<SyntheticSale>((int)(options.Properties * options.SoldShare) + 16);
        _features = new double[options.Properties * PreferenceFeatures.Count];
        var byMunicipality = Municipalities.Norway.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < options.Properties; i++)
        {
            var (property, sale, municipalityIndex) = CreateProperty(i);
            _properties.Add(property);
            if (sale is not null) _sales.Add(sale);
            byMunicipality[municipalityIndex].Add(i);
            PreferenceFeatures.Compute(property, Municipalities.Norway[municipalityIndex], _features.AsSpan(i * PreferenceFeatures.Count, PreferenceFeatures.Count));
        }

        _propertiesByMunicipality = [.. byMunicipality.Select(l => l.ToArray())];
        _users = [.. Enumerable.Range(0, options.Users).Select(CreateUser)];
    }

    public SyntheticMarketOptions Options { get; }
    public IReadOnlyList<Property> Properties => _properties;
    public IReadOnlyList<SyntheticSale> Sales => _sales;
    public IReadOnlyList<SyntheticUser> Users => _users;

    /// <summary>Preference features of property <paramref name="index"/> (see <see cref="PreferenceFeatures"/>).</summary>
    public ReadOnlySpan<double> FeaturesOf(int index) => _features.AsSpan(index * PreferenceFeatures.Count, PreferenceFeatures.Count);

    /// <summary>Median |sold / noise-free − 1| over all sales: the MdAPE no price model can beat on this data.</summary>
    public double NoiseFloorMdape()
    {
        if (_sales.Count == 0) return 0;
        var errors = _sales.Select(s => s.IrreducibleAbsolutePercentageError).Order().ToArray();
        var middle = errors.Length / 2;
        return errors.Length % 2 == 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2;
    }

    /// <summary>All users' interactions, user by user, each user's in time order. Lazily generated; enumerate as often as needed.</summary>
    public IEnumerable<Interaction> Interactions() => Interactions(0, 1);

    /// <summary>
    /// The interactions of every <paramref name="partitions"/>-th user starting at <paramref name="partition"/>:
    /// disjoint slices that together equal <see cref="Interactions()"/>, for loading over several connections.
    /// </summary>
    public IEnumerable<Interaction> Interactions(int partition, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, partitions);
        for (var u = partition; u < _users.Count; u += partitions)
        {
            foreach (var interaction in InteractionsOf(u))
            {
                yield return interaction;
            }
        }
    }

    /// <summary>Utility of property <paramref name="propertyIndex"/> for a user with <paramref name="preferences"/>, without noise.</summary>
    public double Utility(double[] preferences, int propertyIndex)
    {
        var features = FeaturesOf(propertyIndex);
        var utility = 0.0;
        for (var d = 0; d < features.Length; d++) utility += preferences[d] * features[d];
        return utility;
    }

    private List<Interaction> InteractionsOf(int userIndex)
    {
        var synthetic = _users[userIndex];
        var random = DeterministicRandom.For(Options.Seed, DeterministicRandom.InteractionStream, userIndex);
        var home = _propertiesByMunicipality[IndexOfMunicipality(synthetic.HomeMunicipality)];
        // Activity varies a lot between users; log-normal with the configured mean.
        var target = Math.Max(1, (int)Math.Round(Options.InteractionsPerUser * Math.Exp(random.NextGaussian(-0.125, 0.5))));
        var events = new List<Interaction>(target + 4);
        var sequence = 0;
        while (events.Count < target)
        {
            var best = -1;
            var bestScore = double.NegativeInfinity;
            var bestUtility = 0.0;
            for (var c = 0; c < CandidatesPerView; c++)
            {
                var candidate = home.Length > 0 && random.NextDouble() < HomeMunicipalityShare
                    ? home[random.Next(home.Length)]
                    : random.Next(_properties.Count);
                var utility = Utility(synthetic.Preferences, candidate) + random.NextGaussian(0, 0.5);
                var score = utility + random.NextGumbel();
                if (score > bestScore)
                {
                    (best, bestScore, bestUtility) = (candidate, score, utility);
                }
            }

            var property = _properties[best];
            var viewedAt = new DateTimeOffset(property.ListedAt.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                .AddDays(random.Next(Math.Max(1, property.DaysOnMarket)))
                .AddSeconds(random.Next(7 * 3600, 23 * 3600)); // whole seconds: survives a database round trip unchanged
            Add(InteractionKind.View, viewedAt);

            var reaction = random.NextDouble();
            var likeProbability = Sigmoid(1.5 * (bestUtility - LikeThreshold));
            var dislikeProbability = Sigmoid(1.5 * (DislikeThreshold - bestUtility));
            if (reaction < likeProbability)
            {
                Add(InteractionKind.Like, viewedAt.AddMinutes(1 + random.Next(30)));
                if (random.NextDouble() < Sigmoid(1.5 * (bestUtility - OutreachThreshold)))
                {
                    Add(InteractionKind.Outreach, viewedAt.AddHours(1 + random.Next(48)));
                    if (random.NextDouble() < 0.2 * Sigmoid(bestUtility - OutreachThreshold))
                    {
                        Add(InteractionKind.Deal, viewedAt.AddDays(3 + random.Next(21)));
                    }
                }
            }
            else if (reaction < likeProbability + dislikeProbability)
            {
                Add(InteractionKind.Dislike, viewedAt.AddMinutes(1 + random.Next(10)));
            }

            void Add(InteractionKind kind, DateTimeOffset at) => events.Add(new Interaction
            {
                TenantId = Options.TenantId,
                EventId = $"{synthetic.User.UserId}-{sequence++:D6}",
                UserId = synthetic.User.UserId,
                PropertyId = property.PropertyId,
                Kind = kind,
                OccurredAt = at,
            });
        }

        events.Sort((a, b) => a.OccurredAt.CompareTo(b.OccurredAt) is var byTime and not 0 ? byTime : string.CompareOrdinal(a.EventId, b.EventId));
        return events;
    }

    private (Property Property, SyntheticSale? Sale, int MunicipalityIndex) CreateProperty(int index)
    {
        var random = DeterministicRandom.For(Options.Seed, DeterministicRandom.PropertyStream, index);
        var municipalityIndex = random.NextWeighted(MunicipalityWeights);
        var municipality = Municipalities.Norway[municipalityIndex];
        var type = random.NextWeighted(municipality.TypeMix);
        var propertyType = PropertyTypes.All[type];

        var dxKm = random.NextGaussian(0, municipality.SpreadKm);
        var dyKm = random.NextGaussian(0, municipality.SpreadKm);
        var latitude = municipality.Latitude + dyKm / 110.57;
        var longitude = municipality.Longitude + dxKm / (111.32 * Math.Cos(municipality.Latitude * Math.PI / 180));
        var district = Math.Clamp((int)Math.Floor((Math.Atan2(dyKm, dxKm) + Math.PI) / (2 * Math.PI) * 8) + (Math.Sqrt(dxKm * dxKm + dyKm * dyKm) > municipality.SpreadKm ? 8 : 0), 0, 15);

        var (medianArea, areaSd, meanYear, yearSd) = type switch
        {
            0 => (62.0, 0.33, 1975.0, 35.0),
            1 => (105.0, 0.25, 1988.0, 20.0),
            2 => (125.0, 0.25, 1980.0, 25.0),
            3 => (165.0, 0.30, 1972.0, 30.0),
            _ => (75.0, 0.35, 1985.0, 20.0),
        };
        var area = Math.Round(Math.Clamp(medianArea * Math.Exp(random.NextGaussian(0, areaSd)), 18, 600), 1);
        // Rooms ("rom") count the living room and bedrooms: a 60 m² flat has about 3, a 180 m² house about 6.
        var rooms = Math.Clamp((int)Math.Round(1 + area / 36 + random.NextGaussian(0, 0.6)), 1, 12);
        var bedrooms = Math.Clamp(rooms - 1 - (rooms >= 6 && random.NextDouble() < 0.5 ? 1 : 0), 0, rooms);
        var bathrooms = Math.Clamp(1 + (int)Math.Floor(area / 110 + random.NextDouble() * 0.8), 1, 4);
        int? floor = type == 0 ? Math.Min(1 + (int)Math.Floor(-Math.Log(1 - random.NextDouble()) * 2.5), 15) : null;
        double? lotSize = type switch
        {
            0 => null,
            1 => Math.Round(220 * Math.Exp(random.NextGaussian(0, 0.3))),
            2 => Math.Round(450 * Math.Exp(random.NextGaussian(0, 0.3))),
            3 => Math.Round(850 * Math.Exp(random.NextGaussian(0, 0.4))),
            _ => Math.Round(1100 * Math.Exp(random.NextGaussian(0, 0.5))),
        };
        var totalArea = Math.Round(area * (1.05 + random.NextDouble() * 0.15), 1);

        // Status and dates: sold listings spread over the period; active ones listed recently; a few withdrawn.
        var periodDays = Options.EndDate.DayNumber - Options.StartDate.DayNumber;
        var statusDraw = random.NextDouble();
        var status = statusDraw < Options.SoldShare ? ListingStatus.Sold
            : statusDraw < Options.SoldShare + 0.05 ? ListingStatus.Withdrawn
            : ListingStatus.Active;
        int daysOnMarket;
        DateOnly listedAt;
        if (status == ListingStatus.Active)
        {
            daysOnMarket = random.Next(0, 120);
            listedAt = Options.EndDate.AddDays(-daysOnMarket);
        }
        else
        {
            daysOnMarket = Math.Clamp((int)Math.Round(Math.Exp(random.NextGaussian(status == ListingStatus.Sold ? 3.2 : 4.1, 0.7))), 1, 365);
            listedAt = Options.StartDate.AddDays(random.Next(0, Math.Max(1, periodDays - daysOnMarket)));
        }

        var yearBuilt = Math.Clamp((int)Math.Round(random.NextGaussian(meanYear, yearSd)), 1870, listedAt.Year);
        var condition = Math.Clamp((int)Math.Round(3.2 + 1.2 * (yearBuilt - 1980) / 40.0 + random.NextGaussian(0, 0.9)), 1, 5);

        var property = new Property
        {
            TenantId = Options.TenantId,
            PropertyId = $"p{index:D7}",
            PropertyType = propertyType,
            Municipality = municipality.Name,
            ZipCode = municipality.ZipPrefix + district.ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
            Latitude = Math.Round(latitude, 6),
            Longitude = Math.Round(longitude, 6),
            UsableArea = area,
            TotalArea = totalArea,
            LotSize = lotSize,
            Rooms = rooms,
            Bedrooms = bedrooms,
            Bathrooms = bathrooms,
            Floor = floor,
            YearBuilt = yearBuilt,
            Condition = condition,
            Status = status,
            DaysOnMarket = daysOnMarket,
            ListedAt = listedAt,
        };

        // Asking prices sit a little under the market value at listing, with agent-to-agent variation.
        var listingValue = Math.Exp(HedonicPriceModel.LogPrice(property, municipality, listedAt, Options.StartDate));
        var listingPrice = Math.Round(listingValue * 0.97 * Math.Exp(random.NextGaussian(0, 0.03)) / 10_000) * 10_000;
        double? rent = type <= 1 ? Math.Round(listingPrice * 0.0038 * Math.Exp(random.NextGaussian(0, 0.1)) / 100) * 100 : null;
        property = property with { ListingPrice = listingPrice, MonthlyRent = rent };

        // The noise is drawn for every property so that the random sequence does not depend on the status.
        var logNoiseUnit = random.NextGaussian();
        if (status != ListingStatus.Sold)
        {
            return (property, null, municipalityIndex);
        }

        var soldAt = listedAt.AddDays(daysOnMarket);
        var logTrue = HedonicPriceModel.LogPrice(property, municipality, soldAt, Options.StartDate);
        var noiseSd = HedonicPriceModel.NoiseSd(propertyType, logTrue);
        var soldPrice = Math.Round(Math.Exp(logTrue + noiseSd * logNoiseUnit) / 1_000) * 1_000;
        var sale = new Sale
        {
            TenantId = Options.TenantId,
            TransactionId = $"t{index:D7}",
            PropertyId = property.PropertyId,
            SoldPrice = soldPrice,
            SoldAt = soldAt,
        };
        return (property, new SyntheticSale(sale, Math.Exp(logTrue), noiseSd * logNoiseUnit, noiseSd), municipalityIndex);
    }

    private SyntheticUser CreateUser(int index)
    {
        var random = DeterministicRandom.For(Options.Seed, DeterministicRandom.UserStream, index);
        var segment = UserSegments.All[random.NextWeighted(SegmentWeights)];
        var home = Municipalities.Norway[random.NextWeighted(MunicipalityWeights)];
        var preferences = segment.MeanPreferences.Select(mean => Math.Round(mean + random.NextGaussian(0, UserSegments.IndividualSd), 4)).ToArray();
        var user = new User
        {
            TenantId = Options.TenantId,
            UserId = $"u{index:D6}",
            Name = $"Investor {index + 1}",
            Segment = segment.Name,
            // Everyone exists before the first listing, so no interaction predates its user.
            CreatedAt = new DateTimeOffset(Options.StartDate.AddDays(-random.Next(1, 366)).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        };
        return new SyntheticUser(user, home.Name, preferences);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static int IndexOfMunicipality(string name)
    {
        for (var i = 0; i < Municipalities.Norway.Count; i++)
        {
            if (Municipalities.Norway[i].Name == name) return i;
        }

        throw new ArgumentException($"Unknown municipality '{name}'.", nameof(name));
    }
}
