-- Running tallies of the tickets' SLA outcomes (S3), so that a report reads a few hundred
-- counted rows instead of a month's (or a year's) tickets. Kept by triggers in the
-- transaction of every change, whichever code makes it; `sladesk report rebuild` recomputes
-- them from `ticket_tallies`, the one definition of what a ticket adds.
--   filed_month, resolved_month: the Dutch calendar month (yyyymm) the ticket was filed in,
--                       and of the closing that stands; written with the outcome
ALTER TABLE tickets ADD COLUMN filed_month BIGINT;
ALTER TABLE tickets ADD COLUMN resolved_month BIGINT;
-- One row per scope, measure, month, priority, SLA version and value; `tickets` is how many.
--   scope_id: the organisation, or 0 for the whole desk (confidential reports are in neither)
--   measure:  0 reaction time of an answered ticket, by the month filed (minutes, within);
--             1 resolution time, by the month of the closing that stands (minutes, band of
--               the indicative table, within the target);
--             2 filed, by the month filed (band 1 when answered, within when met in time);
--             3 closed, by the month of the closing that stands (within the target)
--   minutes:  business time in whole minutes, rounded up (a percentile is shown to the minute;
--             whether a target or a line of the table was kept is counted exactly, in `band`
--             and `within`, from the seconds)
CREATE TABLE report_tallies (
    scope_id BIGINT NOT NULL,
    measure BIGINT NOT NULL,
    month BIGINT NOT NULL,
    priority TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    band BIGINT NOT NULL,
    within BIGINT NOT NULL,
    tickets BIGINT NOT NULL,
    PRIMARY KEY (scope_id, measure, month, priority, policy_version, minutes, band, within)
);
-- An unanswered ticket is judged at the moment a report is made, so those are counted from
-- the tickets: these keep that a short range.
CREATE INDEX tickets_unanswered ON tickets(organization_id, created_at) WHERE reaction_seconds IS NULL;
CREATE INDEX tickets_unanswered_created ON tickets(created_at) WHERE reaction_seconds IS NULL;
-- What each ticket adds to the tallies: a row per scope and measure it counts in.
CREATE VIEW ticket_tallies AS
SELECT t.id AS ticket_id,
       CASE WHEN w.whole = 1 THEN 0 ELSE t.organization_id END AS scope_id,
       m.measure AS measure,
       CASE WHEN m.measure IN (0, 2) THEN t.filed_month ELSE t.resolved_month END AS month,
       t.priority AS priority,
       t.policy_version AS policy_version,
       CASE m.measure WHEN 0 THEN (t.reaction_seconds + 59) / 60
                      WHEN 1 THEN (t.resolution_seconds + 59) / 60 ELSE 0 END AS minutes,
       CASE m.measure WHEN 1 THEN COALESCE(t.resolution_band, 0)
                      WHEN 2 THEN CASE WHEN t.reaction_seconds IS NULL THEN 0 ELSE 1 END
                      ELSE 0 END AS band,
       CASE WHEN m.measure IN (0, 2)
            THEN CASE WHEN t.reaction_seconds <= t.reaction_target_seconds THEN 1 ELSE 0 END
            ELSE CASE WHEN t.resolution_seconds <= t.resolution_target_seconds THEN 1 ELSE 0 END
       END AS within
FROM tickets t
CROSS JOIN (SELECT 0 AS measure UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) m
CROSS JOIN (SELECT 0 AS whole UNION ALL SELECT 1) w
WHERE t.confidential = 0 AND t.filed_month IS NOT NULL
  AND (m.measure = 2
       OR (m.measure = 0 AND t.reaction_seconds IS NOT NULL)
       OR (m.measure IN (1, 3) AND t.resolved_month IS NOT NULL AND t.resolution_seconds IS NOT NULL));
-- SQLite has one writer, so a change takes its old rows away before it and adds its new ones
-- after it, each read through the view.
CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, 1 FROM ticket_tallies WHERE ticket_id = NEW.id
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
END;
CREATE TRIGGER tickets_tally_delete BEFORE DELETE ON tickets BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, -1 FROM ticket_tallies WHERE ticket_id = OLD.id
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
END;
CREATE TRIGGER tickets_tally_before_update BEFORE UPDATE OF organization_id, confidential, priority, policy_version, reaction_seconds, reaction_target_seconds, resolution_seconds, resolution_target_seconds, resolution_band, filed_month, resolved_month ON tickets
WHEN OLD.organization_id IS NOT NEW.organization_id
    OR OLD.confidential IS NOT NEW.confidential
    OR OLD.priority IS NOT NEW.priority
    OR OLD.policy_version IS NOT NEW.policy_version
    OR OLD.reaction_seconds IS NOT NEW.reaction_seconds
    OR OLD.reaction_target_seconds IS NOT NEW.reaction_target_seconds
    OR OLD.resolution_seconds IS NOT NEW.resolution_seconds
    OR OLD.resolution_target_seconds IS NOT NEW.resolution_target_seconds
    OR OLD.resolution_band IS NOT NEW.resolution_band
    OR OLD.filed_month IS NOT NEW.filed_month
    OR OLD.resolved_month IS NOT NEW.resolved_month
BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, -1 FROM ticket_tallies WHERE ticket_id = OLD.id
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
END;
CREATE TRIGGER tickets_tally_after_update AFTER UPDATE OF organization_id, confidential, priority, policy_version, reaction_seconds, reaction_target_seconds, resolution_seconds, resolution_target_seconds, resolution_band, filed_month, resolved_month ON tickets
WHEN OLD.organization_id IS NOT NEW.organization_id
    OR OLD.confidential IS NOT NEW.confidential
    OR OLD.priority IS NOT NEW.priority
    OR OLD.policy_version IS NOT NEW.policy_version
    OR OLD.reaction_seconds IS NOT NEW.reaction_seconds
    OR OLD.reaction_target_seconds IS NOT NEW.reaction_target_seconds
    OR OLD.resolution_seconds IS NOT NEW.resolution_seconds
    OR OLD.resolution_target_seconds IS NOT NEW.resolution_target_seconds
    OR OLD.resolution_band IS NOT NEW.resolution_band
    OR OLD.filed_month IS NOT NEW.filed_month
    OR OLD.resolved_month IS NOT NEW.resolved_month
BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, 1 FROM ticket_tallies WHERE ticket_id = NEW.id
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
END;
