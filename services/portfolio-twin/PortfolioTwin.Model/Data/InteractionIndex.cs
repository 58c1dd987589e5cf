using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Model.Data;

/// <summary>One user's collapsed signal on one property: the strongest kind, when it was first seen.</summary>
public readonly record struct UserSignal(int Property, InteractionKind Kind, DateTimeOffset FirstAt)
{
    /// <summary>Like, outreach or deal: what a recommendation should find.</summary>
    public bool IsRelevant => Kind is InteractionKind.Like or InteractionKind.Outreach or InteractionKind.Deal;
    public bool IsPositive => Kind != InteractionKind.Dislike;
}

/// <summary>
/// Integer-indexed view of a dataset: properties by position, and per user the collapsed signals in time order.
/// Interactions on unknown properties are skipped (counted in <see cref="SkippedInteractions"/>).
/// </summary>
public sealed class InteractionIndex
{
    public InteractionIndex(TwinDataset data)
    {
        Properties = data.Properties;
        PropertyIndex = new Dictionary<string, int>(data.Properties.Count, StringComparer.Ordinal);
        for (var i = 0; i < data.Properties.Count; i++)
        {
            if (!PropertyIndex.TryAdd(data.Properties[i].PropertyId, i))
            {
                throw new InvalidDataException($"property '{data.Properties[i].PropertyId}' appears twice.");
            }
        }

        var perUser = new Dictionary<string, Dictionary<int, UserSignal>>(StringComparer.Ordinal);
        foreach (var interaction in data.Interactions)
        {
            if (!PropertyIndex.TryGetValue(interaction.PropertyId, out var property))
            {
                SkippedInteractions++;
                continue;
            }
            if (!perUser.TryGetValue(interaction.UserId, out var signals))
            {
                perUser[interaction.UserId] = signals = [];
            }
            if (signals.TryGetValue(property, out var existing))
            {
                var kind = InteractionWeights.Rank(interaction.Kind) > InteractionWeights.Rank(existing.Kind) ? interaction.Kind : existing.Kind;
                var first = interaction.OccurredAt < existing.FirstAt ? interaction.OccurredAt : existing.FirstAt;
                signals[property] = existing with { Kind = kind, FirstAt = first };
            }
            else
            {
                signals[property] = new UserSignal(property, interaction.Kind, interaction.OccurredAt);
            }
        }

        UserIds = [.. perUser.Keys.Order(StringComparer.Ordinal)];
        Signals = [.. UserIds.Select(u => perUser[u].Values.OrderBy(s => s.FirstAt).ThenBy(s => s.Property).ToArray())];
        Segments = data.Users.GroupBy(u => u.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Segment, StringComparer.Ordinal);
    }

    public IReadOnlyList<Property> Properties { get; }
    public Dictionary<string, int> PropertyIndex { get; }
    public string[] UserIds { get; }
    /// <summary>Per user (same order as <see cref="UserIds"/>), signals sorted by first time.</summary>
    public UserSignal[][] Signals { get; }
    public IReadOnlyDictionary<string, string> Segments { get; }
    public int SkippedInteractions { get; }

    public string SegmentOf(int user) => Segments.TryGetValue(UserIds[user], out var s) ? s : "unknown";
}
