-- SQLite sets the tickets' secondary indexes and search triggers aside during a large import,
-- and lets an import count the report tallies a batch at a time (its 0026). PostgreSQL keeps
-- its indexes and already counts the tallies once per statement (0024): nothing changes here;
-- the number keeps both folders' schema versions alike.
SELECT 1;
