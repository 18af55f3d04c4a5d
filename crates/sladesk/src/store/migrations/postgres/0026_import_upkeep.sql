-- What a large import sets aside while it writes (issue 18): the tickets' secondary indexes,
-- each with its own SQL (`pg_indexes.indexdef`), so that it is made again exactly as it was.
-- Building an index once from a million rows costs a fraction of keeping it row by row. A
-- row here means the index is missing: whoever opens the database next (or the import at
-- its end) makes it again and removes the row in the same transaction. (PostgreSQL already
-- counts the report tallies once per statement, 0024; SQLite's 0026 also changes those.)
CREATE TABLE set_aside (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    sql TEXT NOT NULL,
    set_aside_at BIGINT NOT NULL
);
