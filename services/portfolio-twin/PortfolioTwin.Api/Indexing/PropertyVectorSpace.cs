using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// What the twin keeps in the vector index: one point per property, the embedding of the serving model, and the payload its
/// filters read (type, price, bedrooms, location, status), each with a payload index.
/// </summary>
public static class PropertyVectorSpace
{
    public const string Type = "type";
    public const string Price = "price";
    public const string Bedrooms = "bedrooms";
    public const string Location = "location";
    public const string Status = "status";

    public static VectorSpace Create(string name, int dimension) => new(name, dimension,
    [
        new PayloadField(Type, PayloadFieldType.Keyword),
        new PayloadField(Price, PayloadFieldType.Float),
        new PayloadField(Bedrooms, PayloadFieldType.Integer),
        new PayloadField(Location, PayloadFieldType.Geo),
        new PayloadField(Status, PayloadFieldType.Keyword),
    ]);

    /// <summary>The point's payload; <paramref name="price"/> is the asking price, or the estimate of an unlisted property.</summary>
    public static IReadOnlyDictionary<string, PayloadValue> PayloadOf(Property property, double price) => new Dictionary<string, PayloadValue>(StringComparer.Ordinal)
    {
        [Type] = PayloadValue.Keyword(property.PropertyType),
        [Price] = PayloadValue.Float(price),
        [Bedrooms] = PayloadValue.Integer(property.Bedrooms),
        [Location] = PayloadValue.Geo(property.Latitude, property.Longitude),
        [Status] = PayloadValue.Keyword(property.Status),
    };

    /// <summary>The payload read back as the fields the API returns.</summary>
    public static (string Type, double Price, int Bedrooms, double Latitude, double Longitude, string Status) Read(IReadOnlyDictionary<string, PayloadValue> payload)
    {
        var location = payload[Location].GeoValue;
        return (payload[Type].KeywordValue!, payload[Price].FloatValue, (int)payload[Bedrooms].IntegerValue, location.Latitude, location.Longitude,
            payload[Status].KeywordValue!);
    }
}
