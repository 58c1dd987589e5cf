using Platform.BuildingBlocks.Validation;
using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Contracts;

/// <summary>
/// The checks every id and text field of the twin's requests passes before it reaches a store or the index: present where
/// required, at most <see cref="MaxIdLength"/> characters, well-formed Unicode without control characters (a NUL would make
/// PostgreSQL fail the statement; a lone surrogate cannot be written as UTF-8).
/// </summary>
public static class TwinFieldRules
{
    public const int MaxIdLength = 200;


    /// <summary>A required id: adds the reason to <paramref name="errors"/> when it is missing or malformed.</summary>
    public static void RequiredId(string? value, string field, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(field, "Required."));
        }
        else
        {
            OptionalId(value, field, errors);
        }
    }

    /// <summary>An optional id: checked when present.</summary>
    public static void OptionalId(string? value, string field, List<FieldError> errors)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > MaxIdLength)
        {
            errors.Add(new FieldError(field, $"At most {MaxIdLength} characters."));
        }
        else
        {
            Text(value, field, errors);
        }
    }

    /// <summary>Free text (a municipality, a zip code): well-formed and free of control characters when present.</summary>
    public static void Text(string? value, string field, List<FieldError> errors)
    {
        if (value is not null && TextInput.Problem(value) is { } problem)
        {
            errors.Add(new FieldError(field, problem));
        }
    }

    /// <summary>An interaction's time: within <see cref="DateInput.Interaction"/>.</summary>
    public static void InteractionTime(DateTimeOffset? value, string field, DateTimeOffset now, List<FieldError> errors)
    {
        if (value is { } at && DateInput.Interaction.Problem(at, now) is { } problem)
        {
            errors.Add(new FieldError(field, problem));
        }
    }
}
