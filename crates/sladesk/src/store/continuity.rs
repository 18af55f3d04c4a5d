//! D1, D2: the backups' records (one per interval, claimed with a lease), the drills, the
//! once-only alerts, and what a backup's manifest says of a database: its schema and its counts.

use std::collections::BTreeMap;

use sladesk_core::continuity::Scenario;
use sqlx::any::AnyRow;

use super::{Conn, Dialect, StoreError, col};
use crate::domain::continuity::{Backup, BackupState, Drill, OffsiteState, Performed};

/// How many tables the database of `conn` holds: 0 is an empty target to restore into.
pub async fn table_count(conn: &mut Conn, dialect: Dialect) -> Result<i64, StoreError> {
    let sql = match dialect {
        Dialect::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_one(&mut *conn).await?)
}

/// The newest migration applied to the database of `conn`; 0 on an empty database.
pub async fn schema_version(conn: &mut Conn, dialect: Dialect) -> Result<i64, StoreError> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let exists: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
    if exists == 0 {
        return Ok(0);
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await?;
    Ok(version.unwrap_or(0))
}

/// The newest ticket's id.
pub async fn newest_ticket(conn: &mut Conn) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT MAX(id) FROM tickets")
        .fetch_one(&mut *conn)
        .await?)
}

/// Rows of each of `tables` (names from a fixed list, never from input).
pub async fn counts(conn: &mut Conn, tables: &[&str]) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut counts = BTreeMap::new();
    for table in tables {
        debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *conn)
                .await?;
        counts.insert((*table).to_string(), n);
    }
    Ok(counts)
}

const BACKUP_COLUMNS: &str = "id, interval_start, state, attempts, started_at, taken_at, \
     finished_at, name, folder, host, size, sha256, manifest, backup_ms, verify_ms, detail, \
     offsite, offsite_detail";

fn backup(row: &AnyRow) -> Result<Backup, StoreError> {
    let state: String = col(row, "state")?;
    let manifest: Option<String> = col(row, "manifest")?;
    let counts = manifest
        .as_deref()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
        .and_then(|m| serde_json::from_value(m.get("counts")?.clone()).ok())
        .unwrap_or_default();
    Ok(Backup {
        id: col(row, "id")?,
        interval_start: col(row, "interval_start")?,
        state: BackupState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("backup state `{state}`")))?,
        attempts: col(row, "attempts")?,
        started_at: col(row, "started_at")?,
        taken_at: col(row, "taken_at")?,
        finished_at: col(row, "finished_at")?,
        name: col(row, "name")?,
        folder: col(row, "folder")?,
        host: col(row, "host")?,
        size: col(row, "size")?,
        sha256: col(row, "sha256")?,
        counts,
        backup_ms: col(row, "backup_ms")?,
        verify_ms: col(row, "verify_ms")?,
        detail: col(row, "detail")?,
        offsite: {
            let state: String = col(row, "offsite")?;
            OffsiteState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("off-site state `{state}`")))?
        },
        offsite_detail: col(row, "offsite_detail")?,
    })
}

/// Records where a backup's off-site copy stands (`retry_at`: when a failed copy is tried
/// again).
pub async fn record_offsite(
    conn: &mut Conn,
    id: i64,
    state: OffsiteState,
    detail: &str,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE backups SET offsite = $1, offsite_detail = $2, offsite_retry_at = $3 WHERE id = $4",
    )
    .bind(state.as_str())
    .bind(detail)
    .bind(retry_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Verified backups kept in `folder` on `host` whose off-site copy is due at `now`.
pub async fn offsite_due(
    conn: &mut Conn,
    host: &str,
    folder: &str,
    now: i64,
) -> Result<Vec<Backup>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BACKUP_COLUMNS} FROM backups
          WHERE state = 'verified' AND offsite IN ('pending', 'failed')
            AND host = $1 AND folder = $2 AND COALESCE(offsite_retry_at, 0) <= $3
          ORDER BY taken_at"
    )))
    .bind(host)
    .bind(folder)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(backup).collect()
}

/// Whether the backup of `interval_start` is done, or being done by a replica until after
/// `now` (read first, so that replicas do not write every round).
pub async fn interval_taken(
    conn: &mut Conn,
    interval_start: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM backups WHERE interval_start = $1
           AND (state IN ('verified', 'deleted') OR lease_until >= $2)",
    )
    .bind(interval_start)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken.is_some())
}

/// Claims the backup of `interval_start` until `lease_until`: its id when this replica takes
/// it (nobody had, or a run died or failed and its lease ran out).
pub async fn claim_interval(
    conn: &mut Conn,
    interval_start: i64,
    lease_until: i64,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO backups (interval_start, state, lease_until, attempts, started_at)
         VALUES ($1, 'running', $2, 1, $3)
         ON CONFLICT (interval_start) DO UPDATE
            SET state = 'running', lease_until = excluded.lease_until,
                attempts = backups.attempts + 1, started_at = excluded.started_at,
                finished_at = NULL, detail = ''
          WHERE backups.state IN ('running', 'failed') AND backups.lease_until < $3
         RETURNING id",
    )
    .bind(interval_start)
    .bind(lease_until)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Extends the lease of a backup still running.
pub async fn renew_lease(conn: &mut Conn, id: i64, lease_until: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE backups SET lease_until = $1 WHERE id = $2 AND state = 'running'")
        .bind(lease_until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The archive is written and its manifest beside it.
pub struct Written<'a> {
    pub taken_at: i64,
    pub name: &'a str,
    pub folder: &'a str,
    pub host: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub manifest: &'a str,
    pub backup_ms: i64,
}

pub async fn record_written(
    conn: &mut Conn,
    id: i64,
    written: &Written<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE backups SET taken_at = $1, name = $2, folder = $3, host = $4, size = $5,
                sha256 = $6, manifest = $7, backup_ms = $8
          WHERE id = $9",
    )
    .bind(written.taken_at)
    .bind(written.name)
    .bind(written.folder)
    .bind(written.host)
    .bind(written.size)
    .bind(written.sha256)
    .bind(written.manifest)
    .bind(written.backup_ms)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn record_verified(
    conn: &mut Conn,
    id: i64,
    now: i64,
    verify_ms: i64,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE backups SET state = 'verified', finished_at = $1, verify_ms = $2, detail = $3
          WHERE id = $4",
    )
    .bind(now)
    .bind(verify_ms)
    .bind(detail)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The backup failed; another try may claim it from `retry_at`.
pub async fn record_failed(
    conn: &mut Conn,
    id: i64,
    now: i64,
    retry_at: i64,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE backups SET state = 'failed', finished_at = $1, lease_until = $2, detail = $3
          WHERE id = $4",
    )
    .bind(now)
    .bind(retry_at)
    .bind(detail)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn record_deleted(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE backups SET state = 'deleted' WHERE id = $1 AND state = 'verified'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Verified backups, newest first.
pub async fn verified(conn: &mut Conn) -> Result<Vec<Backup>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BACKUP_COLUMNS} FROM backups WHERE state = 'verified' ORDER BY taken_at DESC, id DESC"
    )))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(backup).collect()
}

/// The newest verified backup.
pub async fn newest_verified(conn: &mut Conn) -> Result<Option<Backup>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BACKUP_COLUMNS} FROM backups WHERE state = 'verified'
          ORDER BY taken_at DESC, id DESC LIMIT 1"
    )))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(backup).transpose()
}

/// When the first backup still on record was tried (its interval's last attempt).
pub async fn first_attempt(conn: &mut Conn) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT MIN(started_at) FROM backups")
        .fetch_one(&mut *conn)
        .await?)
}

/// The newest `limit` backups of every state, newest first.
pub async fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<Backup>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BACKUP_COLUMNS} FROM backups ORDER BY interval_start DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(backup).collect()
}

pub async fn backup_by_id(conn: &mut Conn, id: i64) -> Result<Option<Backup>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BACKUP_COLUMNS} FROM backups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(backup).transpose()
}

/// A new drill.
pub struct NewDrill<'a> {
    pub scenario: Scenario,
    pub performed: Performed,
    pub backup_name: Option<&'a str>,
    pub started_at: i64,
    pub took_seconds: i64,
    pub rto_seconds: i64,
    pub passed: bool,
    pub met_rto: bool,
    pub ran_by: &'a str,
    pub detail: &'a str,
}

pub async fn insert_drill(conn: &mut Conn, drill: &NewDrill<'_>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO drills (scenario, performed, backup_name, started_at, took_seconds,
                             rto_seconds, passed, met_rto, ran_by, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(drill.scenario.key())
    .bind(drill.performed.as_str())
    .bind(drill.backup_name)
    .bind(drill.started_at)
    .bind(drill.took_seconds)
    .bind(drill.rto_seconds)
    .bind(i64::from(drill.passed))
    .bind(i64::from(drill.met_rto))
    .bind(drill.ran_by)
    .bind(drill.detail)
    .fetch_one(&mut *conn)
    .await?)
}

fn drill(row: &AnyRow) -> Result<Drill, StoreError> {
    let scenario: String = col(row, "scenario")?;
    let performed: String = col(row, "performed")?;
    Ok(Drill {
        id: col(row, "id")?,
        scenario: Scenario::from_key(&scenario)
            .ok_or_else(|| StoreError::Corrupt(format!("drill scenario `{scenario}`")))?,
        performed: Performed::parse(&performed)
            .ok_or_else(|| StoreError::Corrupt(format!("drill performed `{performed}`")))?,
        backup_name: col(row, "backup_name")?,
        started_at: col(row, "started_at")?,
        took_seconds: col(row, "took_seconds")?,
        rto_seconds: col(row, "rto_seconds")?,
        passed: col::<i64>(row, "passed")? != 0,
        met_rto: col::<i64>(row, "met_rto")? != 0,
        ran_by: col(row, "ran_by")?,
        detail: col(row, "detail")?,
    })
}

const DRILL_COLUMNS: &str = "id, scenario, performed, backup_name, started_at, took_seconds, \
     rto_seconds, passed, met_rto, ran_by, detail";

/// The newest `limit` drills, newest first.
pub async fn drills(conn: &mut Conn, limit: i64) -> Result<Vec<Drill>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DRILL_COLUMNS} FROM drills ORDER BY started_at DESC, id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(drill).collect()
}

/// The newest drill of each scenario that has one.
pub async fn last_drills(conn: &mut Conn) -> Result<Vec<Drill>, StoreError> {
    let mut last = Vec::new();
    for scenario in Scenario::ALL {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DRILL_COLUMNS} FROM drills WHERE scenario = $1
              ORDER BY started_at DESC, id DESC LIMIT 1"
        )))
        .bind(scenario.key())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            last.push(drill(&row)?);
        }
    }
    Ok(last)
}

/// Records the alert `key`; true the first time (then the caller sends it, in the same
/// transaction), false when some replica already did.
pub async fn first_alert(conn: &mut Conn, key: &str, now: i64) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO continuity_alerts (key, sent_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
