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
-- What a ticket adds to the tallies: a row per scope and measure it counts in.
CREATE FUNCTION ticket_tally_rows(t tickets)
RETURNS TABLE (ticket_id BIGINT, scope_id BIGINT, measure BIGINT, month BIGINT, priority TEXT,
               policy_version TEXT, minutes BIGINT, band BIGINT, within BIGINT)
LANGUAGE sql IMMUTABLE AS $$
SELECT (t).id AS ticket_id,
       CASE WHEN w.whole = 1 THEN 0 ELSE (t).organization_id END AS scope_id,
       m.measure AS measure,
       CASE WHEN m.measure IN (0, 2) THEN (t).filed_month ELSE (t).resolved_month END AS month,
       (t).priority AS priority,
       (t).policy_version AS policy_version,
       CASE m.measure WHEN 0 THEN ((t).reaction_seconds + 59) / 60
                      WHEN 1 THEN ((t).resolution_seconds + 59) / 60 ELSE 0 END AS minutes,
       CASE m.measure WHEN 1 THEN COALESCE((t).resolution_band, 0)
                      WHEN 2 THEN CASE WHEN (t).reaction_seconds IS NULL THEN 0 ELSE 1 END
                      ELSE 0 END AS band,
       CASE WHEN m.measure IN (0, 2)
            THEN CASE WHEN (t).reaction_seconds <= (t).reaction_target_seconds THEN 1 ELSE 0 END
            ELSE CASE WHEN (t).resolution_seconds <= (t).resolution_target_seconds THEN 1 ELSE 0 END
       END AS within
FROM (SELECT 1) AS one
CROSS JOIN (SELECT 0::BIGINT AS measure UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) m
CROSS JOIN (SELECT 0::BIGINT AS whole UNION ALL SELECT 1) w
WHERE (t).confidential = 0 AND (t).filed_month IS NOT NULL
  AND (m.measure = 2
       OR (m.measure = 0 AND (t).reaction_seconds IS NOT NULL)
       OR (m.measure IN (1, 3) AND (t).resolved_month IS NOT NULL AND (t).resolution_seconds IS NOT NULL))
$$;
CREATE VIEW ticket_tallies AS
SELECT r.* FROM tickets t CROSS JOIN LATERAL ticket_tally_rows(t) r;
-- A change takes its old rows away and adds its new ones in one statement, in the order of
-- the key, so that replicas changing tickets at once take the rows' locks in the same order.
CREATE FUNCTION tickets_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, SUM(sign)
    FROM (
        SELECT r.*, -1 AS sign FROM ticket_tally_rows(OLD) r WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT r.*, 1 AS sign FROM ticket_tally_rows(NEW) r WHERE TG_OP <> 'DELETE'
    ) AS changes
    GROUP BY scope_id, measure, month, priority, policy_version, minutes, band, within
    HAVING SUM(sign) <> 0
    ORDER BY scope_id, measure, month, priority, policy_version, minutes, band, within
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_tally AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_tally();
CREATE TRIGGER tickets_tally_update AFTER UPDATE ON tickets
    FOR EACH ROW WHEN ((OLD.organization_id, OLD.confidential, OLD.priority, OLD.policy_version, OLD.reaction_seconds, OLD.reaction_target_seconds, OLD.resolution_seconds, OLD.resolution_target_seconds, OLD.resolution_band, OLD.filed_month, OLD.resolved_month)
        IS DISTINCT FROM (NEW.organization_id, NEW.confidential, NEW.priority, NEW.policy_version, NEW.reaction_seconds, NEW.reaction_target_seconds, NEW.resolution_seconds, NEW.resolution_target_seconds, NEW.resolution_band, NEW.filed_month, NEW.resolved_month))
    EXECUTE FUNCTION tickets_tally();
