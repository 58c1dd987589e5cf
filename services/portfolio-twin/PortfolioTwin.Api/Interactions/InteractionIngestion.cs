using Platform.MarketData.Domain;
using Platform.MarketData.Postgres;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Interactions;

/// <summary>Valid interactions of one request, with which of them carried their own time (the others are dated "now").</summary>
public sealed record InteractionBatch(IReadOnlyList<Interaction> Interactions, IReadOnlyList<bool> TimesGiven, string Path);

/// <summary>
/// Stores interactions (HTTP batches and pub/sub events alike) idempotently by event id, then refreshes the folded-in vector of
/// each user who got new ones, so recommendations follow fresh behaviour before the next training. A batch is stored whole or
/// not at all: it must name users and properties the tenant has (422 otherwise: no phantom users), and an event id may be
/// redelivered with the same content but not reused for another (409).
/// </summary>
public sealed class InteractionIngestion(
    ITwinDataStore store,
    UserVectorResolver users,
    Platform.BuildingBlocks.Registry.TenantChampions<IServedTwin> models,
    Indexing.PropertyIndexer indexer,
    PortfolioTwinMetrics metrics,
    TimeProvider time)
{
    public const int MaxIdLength = TwinFieldRules.MaxIdLength;

    /// <summary>Validates every input (all errors at once, named by JSON path) into domain interactions of the tenant.</summary>
    public InteractionBatch Validate(string tenantId, IReadOnlyList<InteractionInput?> inputs, string path, List<FieldError> errors)
    {
        var valid = new List<Interaction>(inputs.Count);
        var timesGiven = new List<bool>(inputs.Count);
        var now = time.GetUtcNow();
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
            TwinFieldRules.RequiredId(input.EventId, $"{at}.event_id", errors);
            TwinFieldRules.RequiredId(input.UserId, $"{at}.user_id", errors);
            TwinFieldRules.RequiredId(input.PropertyId, $"{at}.property_id", errors);
            if (input.TenantId is not null && input.TenantId != tenantId)
            {
                errors.Add(new FieldError($"{at}.tenant_id", $"'{input.TenantId}' differs from the request's tenant '{tenantId}'."));
            }

            if (!InteractionKinds.TryParse(input.Kind, out var kind))
            {
                errors.Add(new FieldError($"{at}.kind", $"'{input.Kind}' is not one of view, like, dislike, outreach, deal."));
            }

            TwinFieldRules.InteractionTime(input.OccurredAt, $"{at}.occurred_at", now, errors);
            if (errors.Count == before)
            {
                valid.Add(new Interaction
                {
                    TenantId = tenantId,
                    EventId = input.EventId!,
                    UserId = input.UserId!,
                    PropertyId = input.PropertyId!,
                    Kind = kind,
                    OccurredAt = input.OccurredAt ?? now,
                });
                timesGiven.Add(input.OccurredAt is not null);
            }
        }

        return new InteractionBatch(valid, timesGiven, path);
    }

    /// <summary>
    /// Stores a batch <see cref="Validate"/> passed whole (its indexes are the request's) and refreshes the users who got new
    /// interactions. Idempotent by event id. Throws <see cref="TwinRequestException"/>: 422 naming each unknown user or property,
    /// 409 naming a reused event id; <see cref="UnknownTenantException"/> for no such tenant. Nothing is stored then.
    /// </summary>
    public async Task<InteractionBatchResponse> IngestAsync(string tenantId, InteractionBatch batch, CancellationToken cancellationToken)
    {
        var interactions = batch.Interactions;
        await RequireKnownReferencesAsync(tenantId, batch, cancellationToken).ConfigureAwait(false);
        int stored;
        try
        {
            stored = await store.AddInteractionsAsync(tenantId, interactions, batch.TimesGiven, cancellationToken).ConfigureAwait(false);
        }
        catch (EventIdConflictException exception)
        {
            var index = interactions.Select((interaction, i) => (interaction, i)).First(x => exception.EventIds.Contains(x.interaction.EventId)).i;
            throw new TwinRequestException(StatusCodes.Status409Conflict, "Event id reused.",
                $"{exception.Message} A redelivery must carry the same user_id, property_id, kind and occurred_at; a new event needs a new event_id.",
                $"{batch.Path}[{index}].event_id");
        }

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

    /// <summary>Every user and property a batch names must exist in the tenant: interactions never create them.</summary>
    private async Task RequireKnownReferencesAsync(string tenantId, InteractionBatch batch, CancellationToken cancellationToken)
    {
        var interactions = batch.Interactions;
        var knownUsers = await store.ExistingUserIdsAsync(tenantId, interactions.Select(i => i.UserId), cancellationToken).ConfigureAwait(false);
        var knownProperties = await store.ExistingPropertyIdsAsync(tenantId, interactions.Select(i => i.PropertyId), cancellationToken).ConfigureAwait(false);
        var errors = new List<FieldError>();
        for (var i = 0; i < interactions.Count; i++)
        {
            if (!knownUsers.Contains(interactions[i].UserId))
            {
                errors.Add(new FieldError($"{batch.Path}[{i}].user_id", $"User '{interactions[i].UserId}' does not exist in this tenant."));
            }

            if (!knownProperties.Contains(interactions[i].PropertyId))
            {
                errors.Add(new FieldError($"{batch.Path}[{i}].property_id", $"Property '{interactions[i].PropertyId}' does not exist in this tenant."));
            }
        }

        if (errors.Count > 0)
        {
            throw TwinRequestException.Invalid(errors);
        }
    }
}
