//! What a large import sets aside while it writes, and how it comes back (migration 0026).
//!
//! A ticket written updates some twenty secondary indexes and, on SQLite through two
//! triggers, the full-text search index. Row by row that is most of an import's time, and it
//! grows with the desk: the search index merges its segments over and over, and each commit
//! rewrites index pages scattered over the file. Built once from the finished table, an index
//! costs a fraction of that (measured in docs/PERFORMANCE.md). So a large import drops them
//! first, each with its own SQL recorded in `set_aside`, and makes them again at its end.
//!
//! Nothing that keeps the data right is set aside: unique indexes, foreign keys and the report
//! tallies' triggers stay. A server writing meanwhile is slower (its queues scan the table),
//! and on SQLite its search does not find new tickets until the search index is rebuilt (on
//! PostgreSQL search reads the column the index was built on, slowly); a kill -9 in
//! between leaves the rows of `set_aside`, and whoever opens the database next makes the
//! objects again ([`restore`], called by `Store::open`).

use super::{Dialect, Store, StoreError};

/// Sets aside the tickets' secondary indexes and (SQLite) the triggers that keep the search
/// index, in one transaction that records each object's SQL. Returns how many objects were
/// set aside.
pub async fn set_aside(store: &Store, now: i64) -> Result<usize, StoreError> {
    let mut tx = store.write().await?;
    let sql = match store.dialect {
        Dialect::Sqlite => {
            "SELECT name, type, sql FROM sqlite_master
             WHERE tbl_name = 'tickets' AND sql IS NOT NULL
               AND ((type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%')
                    OR (type = 'trigger' AND sql LIKE '%tickets_fts%'))
             ORDER BY type, name"
        }
        // PostgreSQL keeps its search in an index (GIN over a generated column).
        Dialect::Postgres => {
            "SELECT indexname::text, 'index'::text, indexdef FROM pg_indexes
             WHERE schemaname = current_schema() AND tablename = 'tickets'
               AND indexdef NOT LIKE 'CREATE UNIQUE%'
             ORDER BY indexname"
        }
    };
    let objects: Vec<(String, String, String)> = sqlx::query_as(sql).fetch_all(&mut **tx).await?;
    for (name, kind, sql) in &objects {
        sqlx::query(
            "INSERT INTO set_aside (name, kind, sql, set_aside_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(name)
        .bind(kind)
        .bind(sql)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let drop = format!("DROP {} {}", keyword(kind), quoted(name));
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut **tx)
            .await?;
    }
    tx.commit().await?;
    Ok(objects.len())
}

/// Makes again what an import set aside, if anything is. Each index is built in a transaction
/// of its own, so a server writing meanwhile waits for one index at a time (about a second at
/// a million tickets), never for all. The search index is then rebuilt from the tickets and
/// its triggers made again in one transaction: no ticket written in between is missed.
/// Safe to run from several processes at once: each object is made by whoever finds its row
/// first, under the write lock. Returns how many objects were made again.
pub async fn restore(store: &Store) -> Result<usize, StoreError> {
    let mut conn = store.read().await?;
    // Before the migrations have run (a new database) there is no table, and nothing set aside.
    let table: Option<String> = sqlx::query_scalar(match store.dialect {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'set_aside'"
        }
        Dialect::Postgres => {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'set_aside'"
        }
    })
    .fetch_optional(&mut *conn)
    .await?;
    if table.is_none() {
        return Ok(0);
    }
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT name FROM set_aside WHERE kind = 'index' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    let triggers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM set_aside WHERE kind <> 'index'")
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);
    let mut restored = 0;
    for name in indexes {
        let mut tx = store.write().await?;
        restored += make_again(&mut tx, store.dialect, Which::Named(&name)).await?;
        tx.commit().await?;
    }
    if triggers > 0 {
        let mut tx = store.write().await?;
        let still: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM set_aside WHERE kind = 'trigger'")
                .fetch_one(&mut **tx)
                .await?;
        if still > 0 {
            // External content: the index is read again from the tickets as they are now.
            sqlx::query("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")
                .execute(&mut **tx)
                .await?;
            restored += make_again(&mut tx, store.dialect, Which::Triggers).await?;
        }
        tx.commit().await?;
    }
    Ok(restored)
}

enum Which<'n> {
    Named(&'n str),
    Triggers,
}

/// Makes again the set-aside objects named, inside the caller's write transaction, and
/// forgets them.
async fn make_again(
    tx: &mut super::WriteTx,
    dialect: Dialect,
    which: Which<'_>,
) -> Result<usize, StoreError> {
    let (sql, value) = match which {
        Which::Named(name) => ("SELECT name, sql FROM set_aside WHERE name = $1", name),
        Which::Triggers => ("SELECT name, sql FROM set_aside WHERE kind = $1", "trigger"),
    };
    // PostgreSQL has no one write lock: another process making the same index waits here
    // for this one's row, and then finds it gone.
    let sql = match dialect {
        Dialect::Sqlite => sql.to_string(),
        Dialect::Postgres => format!("{sql} FOR UPDATE"),
    };
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_all(&mut ***tx)
        .await?;
    let present = match dialect {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE name = $1",
        Dialect::Postgres => {
            "SELECT indexname::text FROM pg_indexes
             WHERE schemaname = current_schema() AND indexname = $1"
        }
    };
    for (name, sql) in &rows {
        let there: Option<String> = sqlx::query_scalar(present)
            .bind(name)
            .fetch_optional(&mut ***tx)
            .await?;
        if there.is_none() {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut ***tx)
                .await?;
        }
        sqlx::query("DELETE FROM set_aside WHERE name = $1")
            .bind(name)
            .execute(&mut ***tx)
            .await?;
    }
    Ok(rows.len())
}

fn keyword(kind: &str) -> &'static str {
    match kind {
        "index" => "INDEX",
        _ => "TRIGGER",
    }
}

/// An SQL identifier in double quotes (the names come from `sqlite_master`).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
