-- The report tallies (0015) of new tickets are added once per statement instead of once per
-- row: a statement that inserts many tickets (an import, docs/EXCHANGE.md) groups them into
-- one upsert of the few tally rows they share. Row by row, each insert updated the same
-- tally rows again, and every update in one transaction lengthens the chain of row versions
-- the next one walks. Deletions and updates keep the row trigger: they come one at a time.
DROP TRIGGER tickets_tally ON tickets;
CREATE FUNCTION tickets_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT r.scope_id, r.measure, r.month, r.priority, r.policy_version, r.minutes, r.band, r.within, COUNT(*)
    FROM inserted t CROSS JOIN LATERAL ticket_tally_rows(t) r
    GROUP BY r.scope_id, r.measure, r.month, r.priority, r.policy_version, r.minutes, r.band, r.within
    ORDER BY r.scope_id, r.measure, r.month, r.priority, r.policy_version, r.minutes, r.band, r.within
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_inserted();
CREATE TRIGGER tickets_tally_delete AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_tally();
