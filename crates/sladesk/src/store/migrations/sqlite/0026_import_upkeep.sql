-- What a large import sets aside while it writes (issue 18): the tickets' secondary indexes
-- and the triggers that keep the search index, each with its own SQL, so that it is made
-- again exactly as it was. Building an index once from a million rows costs a fraction of
-- keeping it row by row, and the search index is rebuilt in seconds. A row here means the
-- object is missing: whoever opens the database next (or the import at its end) makes it
-- again and removes the row in the same transaction.
CREATE TABLE set_aside (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    sql TEXT NOT NULL,
    set_aside_at BIGINT NOT NULL
);

-- An import counts the report tallies of each batch of new tickets in a few statements
-- (store::exchange::add_tallies, through the same view `ticket_tallies`) instead of one run of
-- the trigger per ticket, which was a third of its time. While its transaction holds the row
-- here, the insert trigger leaves the tickets to it. The row is added and removed inside that
-- one transaction, and SQLite has one writer: no other write ever sees it.
CREATE TABLE tallies_by_statement (id BIGINT PRIMARY KEY CHECK (id = 1));
DROP TRIGGER tickets_tally_insert;
CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets
WHEN NOT EXISTS (SELECT 1 FROM tallies_by_statement) BEGIN
    INSERT INTO report_tallies (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
    SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, 1 FROM ticket_tallies WHERE ticket_id = NEW.id
    ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within) DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets;
END;
