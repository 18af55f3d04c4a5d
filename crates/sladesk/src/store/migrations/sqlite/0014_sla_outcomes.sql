-- A ticket's SLA outcome (S3), derived from its events like breached_at and due_at, and
-- rewritten in the same transaction as every change, so that a monthly report counts and
-- ranks tickets without replaying each one. `sladesk report rebuild` recomputes them.
--   reaction_seconds:   business seconds to the first reaction, once there was one
--   reaction_target_seconds, reaction_due_at: the target the engine judged it by, and when
--                       an unanswered ticket's reaction falls overdue
--   resolved_at:        the closing that stands (a reopened ticket has none until closed again)
--   resolution_seconds: business seconds the resolution clock counted, once closed
--   resolution_target_seconds: the target of the priority in force at the end
--   resolution_band:    the first line of the ticket's own indicative table ("90 % within
--                       8 h") its resolution falls within; the table's length when beyond all
ALTER TABLE tickets ADD COLUMN reaction_seconds BIGINT;
ALTER TABLE tickets ADD COLUMN reaction_target_seconds BIGINT;
ALTER TABLE tickets ADD COLUMN reaction_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN resolved_at BIGINT;
ALTER TABLE tickets ADD COLUMN resolution_seconds BIGINT;
ALTER TABLE tickets ADD COLUMN resolution_target_seconds BIGINT;
ALTER TABLE tickets ADD COLUMN resolution_band BIGINT;
-- Covering indexes: a report reads a month of tickets from the index alone, never the rows.
CREATE INDEX tickets_organization_created ON tickets(organization_id, created_at, confidential,
    priority, policy_version, reaction_seconds, reaction_target_seconds, reaction_due_at, id);
CREATE INDEX tickets_created ON tickets(created_at, confidential, priority, policy_version,
    reaction_seconds, reaction_target_seconds, reaction_due_at, id);
CREATE INDEX tickets_organization_resolved ON tickets(organization_id, resolved_at, confidential,
    priority, policy_version, resolution_seconds, resolution_band, resolution_target_seconds, id)
    WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_resolved ON tickets(resolved_at, confidential, priority, policy_version,
    resolution_seconds, resolution_band, resolution_target_seconds, id) WHERE resolved_at IS NOT NULL;
-- The tickets not closed now: "open at the end" of a month counts these and the ones closed
-- after it, both short ranges, rather than every ticket ever filed.
CREATE INDEX tickets_unresolved ON tickets(organization_id, created_at, confidential, priority,
    policy_version) WHERE resolved_at IS NULL;
CREATE INDEX tickets_unresolved_created ON tickets(created_at, confidential, priority,
    policy_version) WHERE resolved_at IS NULL;
-- Whether a person wants the monthly SLA report by mail (customers choose; admins always get it).
ALTER TABLE user_preferences ADD COLUMN mail_reports BIGINT NOT NULL DEFAULT 0;
-- The monthly report mail of a period, sent once: the replica that inserts the row sends it.
CREATE TABLE report_mailings (
    period TEXT PRIMARY KEY,
    sent_at BIGINT NOT NULL
);
