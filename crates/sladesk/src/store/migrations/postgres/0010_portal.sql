-- The agent workspace and the customer portal.
-- `due_at`: the nearest deadline of a running SLA clock (the reaction while unanswered, else the
-- resolution), derived from the event log like `breached_at`; NULL while every clock is paused
-- or stopped. Queues walk (line, due_at) and (assignee_id, due_at) in deadline order.
ALTER TABLE tickets ADD COLUMN due_at BIGINT;
-- Running: in deadline order (assignee_id included so that "unassigned" is counted from the
-- index alone). Paused (no running clock, not closed): most recently changed first.
CREATE INDEX tickets_line_due ON tickets(line, due_at, id, assignee_id) WHERE due_at IS NOT NULL;
CREATE INDEX tickets_assignee_due ON tickets(assignee_id, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX tickets_line_paused ON tickets(line, updated_at, id, assignee_id)
    WHERE due_at IS NULL AND status <> 'closed';
CREATE INDEX tickets_assignee_paused ON tickets(assignee_id, updated_at, id)
    WHERE due_at IS NULL AND status <> 'closed';
CREATE INDEX tickets_open_breached ON tickets(line, breached_at, id)
    WHERE breached_at IS NOT NULL AND status <> 'closed';
CREATE INDEX tickets_organization_updated ON tickets(organization_id, updated_at, id);
-- Existing open tickets get their `due_at` from the SLA check job, which re-derives every
-- ticket it claims: make them due for a check now.
UPDATE tickets SET next_check_at = updated_at WHERE status <> 'closed';

-- What each person wants to hear about and where they are. No row: the defaults.
CREATE TABLE user_preferences (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    time_zone TEXT NOT NULL,
    mail_status BIGINT NOT NULL,
    mail_replies BIGINT NOT NULL
);

-- A customer's search asks the GIN index for "these words AND this organisation" when their
-- words are rare among their own tickets (see store::tickets::organization_search): the
-- search vector also holds the lexeme `~org<id>`, which no text can produce (the parser drops
-- the `~`).
DROP INDEX tickets_search;
ALTER TABLE tickets DROP COLUMN search;
ALTER TABLE tickets ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', subject || ' ' || description)
    || array_to_tsvector(ARRAY['~org' || organization_id::text])) STORED;
CREATE INDEX tickets_search ON tickets USING GIN (search);

-- People who left a customer (or the vendor) are deactivated, never deleted: their tickets and
-- the audit trail keep pointing at them. A deactivated person cannot sign in or use a token.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
