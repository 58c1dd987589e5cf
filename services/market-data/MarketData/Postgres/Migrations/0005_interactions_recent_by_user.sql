-- Serving reads a user's most recent N interactions on every request. This index matches that read's order exactly
-- (ties on time broken by event id), so it is one backward range scan that stops after N rows however long the
-- history; the covered columns let it skip the table. It replaces interactions_by_user, whose leading columns it has.
CREATE INDEX interactions_recent_by_user ON interactions (tenant_id, user_id, occurred_at, event_id) INCLUDE (property_id, kind);
DROP INDEX IF EXISTS interactions_by_user;
