-- PostgreSQL adds the report tallies of new tickets once per statement (its 0024). SQLite
-- keeps them in the code's transaction as before (0015): nothing changes here; the number
-- keeps both folders' schema versions alike.
SELECT 1;
