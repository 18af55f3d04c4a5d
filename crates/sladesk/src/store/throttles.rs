//! Counters of failed sign-in steps, one row per key (see `desk::throttle` for the keys and
//! how each backs off). Kept in the database so that every replica counts the same failures.

use super::{Conn, StoreError, col};

/// How long a key's failures are remembered after the last one.
pub const MEMORY_SECONDS: i64 = 24 * 3600;

/// A key's failures so far and until when it is locked; a key quiet for a day starts over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub failures: i64,
    pub locked_until: i64,
}

pub async fn count(conn: &mut Conn, key: &str, now: i64) -> Result<Count, StoreError> {
    let row = sqlx::query(
        "SELECT failures, locked_until FROM throttles WHERE key = $1 AND last_failure_at > $2",
    )
    .bind(key)
    .bind(now - MEMORY_SECONDS)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Count {
            failures: col(&r, "failures")?,
            locked_until: col(&r, "locked_until")?,
        }),
        None => Ok(Count::default()),
    }
}

pub async fn clear(conn: &mut Conn, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM throttles WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the counters of keys quiet for a day.
pub async fn forget_quiet(conn: &mut Conn, now: i64) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM throttles WHERE last_failure_at <= $1")
            .bind(now - MEMORY_SECONDS)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Counts one attempt on `key` unless it is locked: the attempt's number (1 for the first
/// since the key was quiet), or `None` while the key is locked. Counting before the attempt
/// is judged, in one statement, means parallel attempts cannot all slip in under the limit.
pub async fn reserve(conn: &mut Conn, key: &str, now: i64) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO throttles (key, failures, locked_until, last_failure_at) VALUES ($1, 1, 0, $2)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN throttles.last_failure_at > $3 THEN throttles.failures + 1 ELSE 1 END,
           locked_until = CASE WHEN throttles.last_failure_at > $3 THEN throttles.locked_until ELSE 0 END,
           last_failure_at = $2
         WHERE throttles.locked_until <= $2 OR throttles.last_failure_at <= $3
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - MEMORY_SECONDS)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Locks `key` until `until`.
pub async fn lock(conn: &mut Conn, key: &str, until: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE throttles SET locked_until = $1 WHERE key = $2")
        .bind(until)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes back one counted attempt (it succeeded), lifting the lock if it falls under `free`.
pub async fn undo(conn: &mut Conn, key: &str, free: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE throttles SET failures = failures - 1,
           locked_until = CASE WHEN failures - 1 <= $1 THEN 0 ELSE locked_until END
         WHERE key = $2 AND failures > 0",
    )
    .bind(free)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
