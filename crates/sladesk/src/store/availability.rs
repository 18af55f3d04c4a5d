//! Components, monitors, outages, maintenance windows and availability exclusions.

use sqlx::any::AnyRow;

use super::accounts::{parse_word, word};
use super::{Conn, Dialect, StoreError, col};
use crate::domain::availability::ComponentState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub id: i64,
    pub name: String,
    /// A production component's outages open a `saas_outage` ticket (S3).
    pub production: bool,
    /// The customer whose instance this is, if any.
    pub organization_id: Option<i64>,
    pub state: ComponentState,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Monitor {
    pub id: i64,
    pub component_id: i64,
    /// `http` or `tcp`.
    pub kind: String,
    /// A URL (http) or `host:port` (tcp).
    pub target: String,
    pub method: String,
    pub expected_status: i64,
    pub body_contains: Option<String>,
    pub timeout_ms: i64,
    pub interval_seconds: i64,
    /// Whether the monitor's failures are confirmed (enough consecutive ones).
    pub failing: bool,
    pub consecutive_failures: i64,
    /// When the current run of failures began.
    pub failing_since: Option<i64>,
    pub last_checked_at: Option<i64>,
    pub last_error: Option<String>,
    /// Push monitors: when the agent last called in.
    pub last_beat_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub id: i64,
    pub component_id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub ticket_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub component_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub emergency: bool,
    pub work: String,
    pub impact: String,
    pub announced_at: i64,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionRow {
    pub id: i64,
    pub component_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub category: String,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

pub(super) fn component(row: &AnyRow) -> Result<Component, StoreError> {
    Ok(Component {
        id: col(row, "id")?,
        name: col(row, "name")?,
        production: col::<i64>(row, "production")? != 0,
        organization_id: col(row, "organization_id")?,
        state: parse_word(&col::<String>(row, "state")?)?,
        created_at: col(row, "created_at")?,
    })
}

pub(super) fn monitor(row: &AnyRow) -> Result<Monitor, StoreError> {
    Ok(Monitor {
        id: col(row, "id")?,
        component_id: col(row, "component_id")?,
        kind: col(row, "kind")?,
        target: col(row, "target")?,
        method: col(row, "method")?,
        expected_status: col(row, "expected_status")?,
        body_contains: col(row, "body_contains")?,
        timeout_ms: col(row, "timeout_ms")?,
        interval_seconds: col(row, "interval_seconds")?,
        failing: col::<i64>(row, "failing")? != 0,
        consecutive_failures: col(row, "consecutive_failures")?,
        failing_since: col(row, "failing_since")?,
        last_checked_at: col(row, "last_checked_at")?,
        last_error: col(row, "last_error")?,
        last_beat_at: col(row, "last_beat_at")?,
    })
}

pub(super) fn outage(row: &AnyRow) -> Result<Outage, StoreError> {
    Ok(Outage {
        id: col(row, "id")?,
        component_id: col(row, "component_id")?,
        started_at: col(row, "started_at")?,
        ended_at: col(row, "ended_at")?,
        ticket_id: col(row, "ticket_id")?,
    })
}

pub(super) fn window(row: &AnyRow) -> Result<MaintenanceWindow, StoreError> {
    Ok(MaintenanceWindow {
        id: col(row, "id")?,
        component_id: col(row, "component_id")?,
        starts_at: col(row, "starts_at")?,
        ends_at: col(row, "ends_at")?,
        emergency: col::<i64>(row, "emergency")? != 0,
        work: col(row, "work")?,
        impact: col(row, "impact")?,
        announced_at: col(row, "announced_at")?,
        created_by: col(row, "created_by")?,
    })
}

pub(super) fn exclusion(row: &AnyRow) -> Result<ExclusionRow, StoreError> {
    Ok(ExclusionRow {
        id: col(row, "id")?,
        component_id: col(row, "component_id")?,
        starts_at: col(row, "starts_at")?,
        ends_at: col(row, "ends_at")?,
        category: col(row, "category")?,
        reason: col(row, "reason")?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
    })
}

pub async fn insert_component(conn: &mut Conn, c: &Component) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO components (name, production, organization_id, state, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&c.name)
    .bind(i64::from(c.production))
    .bind(c.organization_id)
    .bind(word(&c.state))
    .bind(c.created_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn component_by_id(conn: &mut Conn, id: i64) -> Result<Option<Component>, StoreError> {
    let row = sqlx::query("SELECT * FROM components WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(component).transpose()
}

pub async fn list_components(conn: &mut Conn) -> Result<Vec<Component>, StoreError> {
    let rows = sqlx::query("SELECT * FROM components ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(component).collect()
}

/// Moves a component from one state to another; `false` if it was not in `from` (another
/// replica got there first).
pub async fn change_component_state(
    conn: &mut Conn,
    id: i64,
    from: ComponentState,
    to: ComponentState,
) -> Result<bool, StoreError> {
    let result = sqlx::query("UPDATE components SET state = $1 WHERE id = $2 AND state = $3")
        .bind(to.key())
        .bind(id)
        .bind(from.key())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Serialises work on one component until the transaction ends (PostgreSQL; SQLite has one
/// writer anyway), so two checks finishing together judge the component one after the other.
pub async fn lock_component(conn: &mut Conn, dialect: Dialect, id: i64) -> Result<(), StoreError> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT id FROM components WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn insert_monitor(
    conn: &mut Conn,
    m: &Monitor,
    next_check_at: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO monitors (component_id, kind, target, method, expected_status, body_contains, timeout_ms,
         interval_seconds, next_check_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(m.component_id)
    .bind(&m.kind)
    .bind(&m.target)
    .bind(&m.method)
    .bind(m.expected_status)
    .bind(&m.body_contains)
    .bind(m.timeout_ms)
    .bind(m.interval_seconds)
    .bind(next_check_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn monitors_of(conn: &mut Conn, component_id: i64) -> Result<Vec<Monitor>, StoreError> {
    let rows = sqlx::query("SELECT * FROM monitors WHERE component_id = $1 ORDER BY id")
        .bind(component_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(monitor).collect()
}

/// Claims monitors whose check is due, for `lease_seconds`; with several replicas each check
/// runs once per interval, by whichever replica claimed it.
pub async fn claim_due_monitors(
    conn: &mut Conn,
    dialect: Dialect,
    now: i64,
    lease_seconds: i64,
    limit: i64,
) -> Result<Vec<Monitor>, StoreError> {
    let sql = super::claim_sql(
        dialect,
        "monitors",
        "lease_until",
        "next_check_at <= $2",
        "next_check_at",
        "*",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_seconds)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(monitor).collect()
}

/// Stores the outcome of a check and when the next one is due.
pub async fn record_check(
    conn: &mut Conn,
    m: &Monitor,
    next_check_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE monitors SET failing = $1, consecutive_failures = $2, last_checked_at = $3, last_error = $4,
         next_check_at = $5, lease_until = NULL, failing_since = $7 WHERE id = $6",
    )
    .bind(i64::from(m.failing))
    .bind(m.consecutive_failures)
    .bind(m.last_checked_at)
    .bind(&m.last_error)
    .bind(next_check_at)
    .bind(m.id)
    .bind(m.failing_since)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn open_outage(
    conn: &mut Conn,
    component_id: i64,
    started_at: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outages (component_id, started_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(component_id)
    .bind(started_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn link_outage_ticket(
    conn: &mut Conn,
    outage_id: i64,
    ticket_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE outages SET ticket_id = $1 WHERE id = $2")
        .bind(ticket_id)
        .bind(outage_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Closes the component's open outage, if any.
pub async fn close_outage(
    conn: &mut Conn,
    component_id: i64,
    ended_at: i64,
) -> Result<Option<Outage>, StoreError> {
    let row = sqlx::query(
        "UPDATE outages SET ended_at = $1 WHERE component_id = $2 AND ended_at IS NULL RETURNING *",
    )
    .bind(ended_at)
    .bind(component_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(outage).transpose()
}

/// Outages of a component that overlap `[from, to)` (an open one counts up to now).
pub async fn outages_between(
    conn: &mut Conn,
    component_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Outage>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM outages WHERE component_id = $1 AND started_at < $2 AND (ended_at IS NULL OR ended_at > $3) ORDER BY started_at",
    )
    .bind(component_id)
    .bind(to)
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(outage).collect()
}

pub async fn insert_window(conn: &mut Conn, w: &MaintenanceWindow) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO maintenance_windows (component_id, starts_at, ends_at, emergency, work, impact, announced_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(w.component_id)
    .bind(w.starts_at)
    .bind(w.ends_at)
    .bind(i64::from(w.emergency))
    .bind(&w.work)
    .bind(&w.impact)
    .bind(w.announced_at)
    .bind(w.created_by)
    .fetch_one(&mut *conn)
    .await?)
}

/// Maintenance windows overlapping `[from, to)`; of one component, or of all.
pub async fn windows_between(
    conn: &mut Conn,
    component_id: Option<i64>,
    from: i64,
    to: i64,
) -> Result<Vec<MaintenanceWindow>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM maintenance_windows WHERE ($1 = 0 OR component_id = $2) AND starts_at < $3 AND ends_at > $4 ORDER BY starts_at",
    )
    .bind(i64::from(component_id.is_some()))
    .bind(component_id.unwrap_or(0))
    .bind(to)
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(window).collect()
}

pub async fn insert_exclusion(conn: &mut Conn, e: &ExclusionRow) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO availability_exclusions (component_id, starts_at, ends_at, category, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.component_id)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(&e.category)
    .bind(&e.reason)
    .bind(e.created_by)
    .bind(e.created_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn exclusions_between(
    conn: &mut Conn,
    component_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<ExclusionRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM availability_exclusions WHERE component_id = $1 AND starts_at < $2 AND ends_at > $3 ORDER BY starts_at",
    )
    .bind(component_id)
    .bind(to)
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(exclusion).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutageUpdate {
    pub id: i64,
    pub outage_id: i64,
    pub at: i64,
    pub message: String,
    pub author_id: Option<i64>,
}

pub async fn outage_by_id(conn: &mut Conn, id: i64) -> Result<Option<Outage>, StoreError> {
    let row = sqlx::query("SELECT * FROM outages WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(outage).transpose()
}

/// Outages of any component that were open at some point after `since`, newest first.
pub async fn recent_outages(conn: &mut Conn, since: i64) -> Result<Vec<Outage>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM outages WHERE ended_at IS NULL OR ended_at > $1 ORDER BY started_at DESC",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(outage).collect()
}

pub async fn insert_update(conn: &mut Conn, u: &OutageUpdate) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("INSERT INTO outage_updates (outage_id, at, message, author_id) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(u.outage_id)
        .bind(u.at)
        .bind(&u.message)
        .bind(u.author_id)
        .fetch_one(&mut *conn)
        .await?)
}

pub async fn updates_of(conn: &mut Conn, outage_id: i64) -> Result<Vec<OutageUpdate>, StoreError> {
    let rows = sqlx::query("SELECT * FROM outage_updates WHERE outage_id = $1 ORDER BY at, id")
        .bind(outage_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(update).collect()
}

pub(super) fn update(row: &AnyRow) -> Result<OutageUpdate, StoreError> {
    Ok(OutageUpdate {
        id: col(row, "id")?,
        outage_id: col(row, "outage_id")?,
        at: col(row, "at")?,
        message: col(row, "message")?,
        author_id: col(row, "author_id")?,
    })
}

/// A push monitor's agent called in; `false` if no heartbeat monitor has this token.
pub async fn record_beat(conn: &mut Conn, token: &str, at: i64) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE monitors SET last_beat_at = $1 WHERE kind = 'heartbeat' AND target = $2",
    )
    .bind(at)
    .bind(token)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Adds one check to the monitor's roll-up of that minute.
pub async fn roll_up(
    conn: &mut Conn,
    monitor_id: i64,
    at: i64,
    failed: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO monitor_minutes (monitor_id, minute, checks, failures) VALUES ($1, $2, 1, $3)
         ON CONFLICT (monitor_id, minute) DO UPDATE SET checks = monitor_minutes.checks + 1,
         failures = monitor_minutes.failures + excluded.failures",
    )
    .bind(monitor_id)
    .bind(at - at.rem_euclid(60))
    .bind(i64::from(failed))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes roll-ups older than `before`; returns how many.
pub async fn prune_roll_ups(conn: &mut Conn, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM monitor_minutes WHERE minute < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// A monitor's roll-ups from `since`, oldest first: (minute, checks, failures).
pub async fn roll_ups(
    conn: &mut Conn,
    monitor_id: i64,
    since: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let rows = sqlx::query("SELECT minute, checks, failures FROM monitor_minutes WHERE monitor_id = $1 AND minute >= $2 ORDER BY minute")
        .bind(monitor_id)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((col(r, "minute")?, col(r, "checks")?, col(r, "failures")?)))
        .collect()
}
