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

-- A customer's search must not walk every other organisation's matches: the full-text index
-- also holds the organisation, so that "their tickets with this word" is one index lookup.
DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_update;
DROP TABLE tickets_fts;
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, description, organization_id,
    content='tickets', content_rowid='id');
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts(rowid, subject, description, organization_id)
        VALUES (new.id, new.subject, new.description, new.organization_id);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, organization_id)
        VALUES ('delete', old.id, old.subject, old.description, old.organization_id);
    INSERT INTO tickets_fts(rowid, subject, description, organization_id)
        VALUES (new.id, new.subject, new.description, new.organization_id);
END;

-- People who left a customer (or the vendor) are deactivated, never deleted: their tickets and
-- the audit trail keep pointing at them. A deactivated person cannot sign in or use a token.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
