using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Interactions;

/// <summary>
/// Stores interactions (HTTP batches and pub/sub events alike) idempotently by event id, then refreshes the folded-in vector of
/// each user who got new ones, so recommendations follow fresh behaviour before the next training.
/// </summary>
public sealed class InteractionIngestion(
    ITwinDataStore store,
    UserVectorResolver users,
    Platform.BuildingBlocks.Registry.TenantChampions<IServedTwin> models,
    Indexing.PropertyIndexer indexer,
    PortfolioTwinMetrics metrics,
    TimeProvider time)
{
    public const int MaxIdLength = 200;

    /// <summary>Validates every input (all errors at once, named by JSON path) into domain interactions of the tenant.</summary>
    public IReadOnlyList<Interaction> Validate(string tenantId, IReadOnlyList<InteractionInput?> inputs, string path, List<FieldError> errors)
    {
        var valid = new List<Interaction>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var at = $"{path}[{i}]";
            var input = inputs[i];
            if (input is null)
            {
                errors.Add(new FieldError(at, "An interaction object is required."));
                continue;
            }

            var before = errors.Count;
            Id(input.EventId, $"{at}.event_id", errors);
            Id(input.UserId, $"{at}.user_id", errors);
            Id(input.PropertyId, $"{at}.property_id", errors);
            if (input.TenantId is not null && input.TenantId != tenantId)
            {
                errors.Add(new FieldError($"{at}.tenant_id", $"'{input.TenantId}' differs from the request's tenant '{tenantId}'."));
            }

            if (!InteractionKinds.TryParse(input.Kind, out var kind))
            {
                errors.Add(new FieldError($"{at}.kind", $"'{input.Kind}' is not one of view, like, dislike, outreach, deal."));
            }

            if (errors.Count == before)
            {
                valid.Add(new Interaction
                {
                    TenantId = tenantId,
                    EventId = input.EventId!,
                    UserId = input.UserId!,
                    PropertyId = input.PropertyId!,
                    Kind = kind,
                    OccurredAt = input.OccurredAt ?? time.GetUtcNow(),
                });
            }
        }

        return valid;
    }

    /// <summary>Stores the interactions and refreshes the users who got new ones. Idempotent by event id.</summary>
    public async Task<InteractionBatchResponse> IngestAsync(string tenantId, IReadOnlyList<Interaction> interactions, CancellationToken cancellationToken)
    {
        var stored = await store.AddInteractionsAsync(tenantId, interactions, cancellationToken).ConfigureAwait(false);
        var duplicates = interactions.Count - stored;
        metrics.InteractionsIngested(stored, duplicates);

        var touchedUsers = interactions.Select(i => i.UserId).Distinct(StringComparer.Ordinal).ToList();
        if (stored > 0)
        {
            foreach (var userId in touchedUsers)
            {
                users.Invalidate(tenantId, userId);
            }
        }

        var refreshed = 0;
        // Fold in with the model the index serves, so the refreshed vector lives in the same space as the property vectors.
        var serving = indexer.Serving(tenantId)
            ?? (models.For(tenantId).Current is { } champion ? new Indexing.ServingIndex(champion, indexer.SpaceFor(tenantId)) : null);
        if (stored > 0 && serving is { } model)
        {
            // The insert does not say which rows were new; refreshing every user of the batch is correct, merely thorough.
            foreach (var userId in touchedUsers)
            {
                if (await users.RefreshAsync(tenantId, userId, model, cancellationToken).ConfigureAwait(false) is not null)
                {
                    refreshed++;
                }
            }
        }

        return new InteractionBatchResponse(interactions.Count, stored, duplicates, refreshed);
    }

    private static void Id(string? value, string field, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(field, "Required."));
        }
        else if (value.Length > MaxIdLength)
        {
            errors.Add(new FieldError(field, $"At most {MaxIdLength} characters."));
        }
    }
}
