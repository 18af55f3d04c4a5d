//! Releases, rings and rollouts (R1-R4): rows of `releases`, `rollout_batches` and
//! `rollout_windows`, and the ring of each customer instance (`components.ring`).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::releases::{
    BatchState, Release, ReleaseNote, ReleaseState, RolloutBatch, Tenant, UpdateWindow,
};
use sladesk_core::releases::Ring;

fn ring(word: &str) -> Result<Ring, StoreError> {
    Ring::parse(word).ok_or_else(|| StoreError::Corrupt(format!("ring `{word}`")))
}

fn release(row: &AnyRow) -> Result<Release, StoreError> {
    let state: String = col(row, "state")?;
    let notes: String = col(row, "notes")?;
    Ok(Release {
        id: col(row, "id")?,
        version: col(row, "version")?,
        planned_start: col(row, "planned_start")?,
        state: ReleaseState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("release state `{state}`")))?,
        notes: serde_json::from_str::<Vec<ReleaseNote>>(&notes)
            .map_err(|e| StoreError::Corrupt(format!("release notes: {e}")))?,
        postponed_reason: col(row, "postponed_reason")?,
        created_at: col(row, "created_at")?,
        started_at: col(row, "started_at")?,
        finished_at: col(row, "finished_at")?,
    })
}

pub async fn insert_release(
    conn: &mut Conn,
    r: &Release,
    created_by: Option<i64>,
) -> Result<i64, StoreError> {
    let notes = serde_json::to_string(&r.notes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(sqlx::query_scalar(
        "INSERT INTO releases (version, planned_start, state, notes, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&r.version)
    .bind(&r.planned_start)
    .bind(r.state.as_str())
    .bind(notes)
    .bind(r.created_at)
    .bind(created_by)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn release_by_id(conn: &mut Conn, id: i64) -> Result<Option<Release>, StoreError> {
    let row = sqlx::query("SELECT * FROM releases WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(release).transpose()
}

pub async fn release_by_version(
    conn: &mut Conn,
    version: &str,
) -> Result<Option<Release>, StoreError> {
    let row = sqlx::query("SELECT * FROM releases WHERE version = $1")
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(release).transpose()
}

/// Releases, the latest planned start first.
pub async fn list_releases(conn: &mut Conn, limit: i64) -> Result<Vec<Release>, StoreError> {
    let rows = sqlx::query("SELECT * FROM releases ORDER BY planned_start DESC, id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(release).collect()
}

/// Moves a release from `from` to `to`; false when it was not in `from` (another replica or
/// request got there first), so a second start or pause has no effect.
pub async fn move_release(
    conn: &mut Conn,
    id: i64,
    from: &[ReleaseState],
    to: ReleaseState,
    at: i64,
) -> Result<bool, StoreError> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let placeholders = (0..from.len())
        .map(|i| format!("${}", i + 4))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE releases SET state = $1,
           started_at = CASE WHEN $1 = 'rolling_out' AND started_at IS NULL THEN $2 ELSE started_at END,
           finished_at = CASE WHEN $1 = 'done' THEN $2 ELSE finished_at END
         WHERE id = $3 AND state IN ({placeholders})"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(at)
        .bind(id);
    for state in from {
        query = query.bind(state);
    }
    Ok(query.execute(&mut *conn).await?.rows_affected() == 1)
}

/// A planned release's new start and the reason; false when it is no longer planned.
pub async fn postpone_release(
    conn: &mut Conn,
    id: i64,
    planned_start: &str,
    reason: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE releases SET planned_start = $1, postponed_reason = $2 WHERE id = $3 AND state = 'planned'",
    )
    .bind(planned_start)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Every customer instance with its organisation, ring and agreed moments, by id.
pub async fn tenants(conn: &mut Conn) -> Result<Vec<(Tenant, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.organization_id, c.ring, o.name AS organization_name, o.tier,
                o.update_moments
         FROM components c JOIN organizations o ON o.id = c.organization_id
         ORDER BY c.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let moments: Option<String> = col(row, "update_moments")?;
            Ok((
                Tenant {
                    component_id: col(row, "id")?,
                    name: col(row, "name")?,
                    organization_id: col(row, "organization_id")?,
                    organization_name: col(row, "organization_name")?,
                    ring: col::<Option<String>>(row, "ring")?
                        .map(|w| ring(&w))
                        .transpose()?,
                    update_moments: moments
                        .map(|m| serde_json::from_str(&m))
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("update moments: {e}")))?
                        .unwrap_or_default(),
                },
                col(row, "tier")?,
            ))
        })
        .collect()
}

pub async fn set_ring(
    conn: &mut Conn,
    component_id: i64,
    ring: Option<Ring>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE components SET ring = $1 WHERE id = $2")
        .bind(ring.map(Ring::as_str))
        .bind(component_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_update_moments(
    conn: &mut Conn,
    organization_id: i64,
    moments: &[String],
) -> Result<(), StoreError> {
    let json = (!moments.is_empty())
        .then(|| serde_json::to_string(moments))
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query("UPDATE organizations SET update_moments = $1 WHERE id = $2")
        .bind(json)
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_batch(
    conn: &mut Conn,
    release_id: i64,
    number: i64,
    ring: Ring,
    starts_at: i64,
    ends_at: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO rollout_batches (release_id, number, ring, starts_at, ends_at, state)
         VALUES ($1, $2, $3, $4, $5, 'planned') RETURNING id",
    )
    .bind(release_id)
    .bind(number)
    .bind(ring.as_str())
    .bind(starts_at)
    .bind(ends_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// A tenant's update window in a rollout, with the maintenance window that covers it.
#[allow(clippy::too_many_arguments)]
pub async fn insert_window(
    conn: &mut Conn,
    release_id: i64,
    batch_id: Option<i64>,
    component_id: i64,
    ring: Ring,
    starts_at: i64,
    ends_at: i64,
    maintenance_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rollout_windows (release_id, batch_id, component_id, ring, starts_at, ends_at, maintenance_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(release_id)
    .bind(batch_id)
    .bind(component_id)
    .bind(ring.as_str())
    .bind(starts_at)
    .bind(ends_at)
    .bind(maintenance_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The batches of a rollout with their tenants, in order.
pub async fn batches(conn: &mut Conn, release_id: i64) -> Result<Vec<RolloutBatch>, StoreError> {
    let rows = sqlx::query(
        "SELECT b.number, b.ring, b.starts_at, b.ends_at, b.state, b.finished_at, w.component_id
         FROM rollout_batches b LEFT JOIN rollout_windows w ON w.batch_id = b.id
         WHERE b.release_id = $1 ORDER BY b.number, w.component_id",
    )
    .bind(release_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<RolloutBatch> = Vec::new();
    for row in &rows {
        let number: i64 = col(row, "number")?;
        let component: Option<i64> = col(row, "component_id")?;
        if out.last().is_none_or(|b| b.number != number) {
            let state: String = col(row, "state")?;
            out.push(RolloutBatch {
                number,
                ring: ring(&col::<String>(row, "ring")?)?,
                starts_at: col(row, "starts_at")?,
                ends_at: col(row, "ends_at")?,
                state: BatchState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("batch state `{state}`")))?,
                finished_at: col(row, "finished_at")?,
                component_ids: Vec::new(),
            });
        }
        if let (Some(batch), Some(id)) = (out.last_mut(), component) {
            batch.component_ids.push(id);
        }
    }
    Ok(out)
}

/// Marks a planned batch done or failed; false when it was not planned any more (a second
/// replica or a repeated request), so that it has no effect the second time.
pub async fn finish_batch(
    conn: &mut Conn,
    release_id: i64,
    number: i64,
    state: BatchState,
    at: i64,
    by: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE rollout_batches SET state = $1, finished_at = $2, finished_by = $3
         WHERE release_id = $4 AND number = $5 AND state = 'planned'",
    )
    .bind(state.as_str())
    .bind(at)
    .bind(by)
    .bind(release_id)
    .bind(number)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// How many batches of a rollout are still planned.
pub async fn batches_left(conn: &mut Conn, release_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM rollout_batches WHERE release_id = $1 AND state = 'planned'",
    )
    .bind(release_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Update windows of one release (or every one), of the given organisation's tenants (or
/// all), ending after `after`, in time order.
pub async fn windows(
    conn: &mut Conn,
    organization_id: Option<i64>,
    release_id: Option<i64>,
    after: i64,
) -> Result<Vec<UpdateWindow>, StoreError> {
    let rows = sqlx::query(
        "SELECT w.release_id, r.version, w.component_id, c.name AS component_name, w.ring,
                w.starts_at, w.ends_at, b.number
         FROM rollout_windows w
         JOIN releases r ON r.id = w.release_id
         JOIN components c ON c.id = w.component_id
         LEFT JOIN rollout_batches b ON b.id = w.batch_id
         WHERE ($1 = 0 OR c.organization_id = $2) AND ($3 = 0 OR w.release_id = $4)
           AND w.ends_at > $5
         ORDER BY w.starts_at, w.component_id",
    )
    .bind(organization_id.unwrap_or(0))
    .bind(organization_id.unwrap_or(0))
    .bind(release_id.unwrap_or(0))
    .bind(release_id.unwrap_or(0))
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UpdateWindow {
                release_id: col(row, "release_id")?,
                version: col(row, "version")?,
                component_id: col(row, "component_id")?,
                component_name: col(row, "component_name")?,
                ring: ring(&row.try_get::<String, _>("ring")?)?,
                starts_at: col(row, "starts_at")?,
                ends_at: col(row, "ends_at")?,
                batch: col(row, "number")?,
            })
        })
        .collect()
}

/// The maintenance window that covers a tenant's update (M1: a rollout is regular
/// maintenance), marked as the release's.
#[allow(clippy::too_many_arguments)]
pub async fn insert_maintenance(
    conn: &mut Conn,
    release_id: i64,
    component_id: i64,
    starts_at: i64,
    ends_at: i64,
    work: &str,
    impact: &str,
    announced_at: i64,
    created_by: Option<i64>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO maintenance_windows
           (component_id, starts_at, ends_at, emergency, work, impact, announced_at, created_by, release_id)
         VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(component_id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(work)
    .bind(impact)
    .bind(announced_at)
    .bind(created_by)
    .bind(release_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// R3: `organization_id`'s calendar address is now the one whose token hashes to
/// `token_hash`; the one before stops working.
pub async fn replace_update_calendar(
    conn: &mut Conn,
    organization_id: i64,
    token_hash: &str,
    now: i64,
    by: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO update_calendars (organization_id, token_hash, created_at, created_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id) DO UPDATE
         SET token_hash = excluded.token_hash, created_at = excluded.created_at,
             created_by = excluded.created_by",
    )
    .bind(organization_id)
    .bind(token_hash)
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The organisation whose calendar address has this token hash.
pub async fn update_calendar_owner(
    conn: &mut Conn,
    token_hash: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT organization_id FROM update_calendars WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A release's rollout as the public status page tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutSummary {
    pub version: String,
    pub state: ReleaseState,
    pub planned_start: String,
    /// The first update window's start and the last one's end; none before the start.
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    pub instances: i64,
}

/// Releases not done that start on or before `until` (`YYYY-MM-DD`), with their windows in
/// sum: no instance or customer named.
pub async fn rollout_summaries(
    conn: &mut Conn,
    until: &str,
) -> Result<Vec<RolloutSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.version, r.state, r.planned_start, MIN(w.starts_at) AS first_at,
                MAX(w.ends_at) AS last_at, COUNT(w.id) AS instances
         FROM releases r LEFT JOIN rollout_windows w ON w.release_id = r.id
         WHERE r.state <> 'done' AND r.planned_start <= $1
         GROUP BY r.id, r.version, r.state, r.planned_start
         ORDER BY r.planned_start, r.id",
    )
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = col(row, "state")?;
            Ok(RolloutSummary {
                version: col(row, "version")?,
                state: ReleaseState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("release state {state}")))?,
                planned_start: col(row, "planned_start")?,
                first_at: col(row, "first_at")?,
                last_at: col(row, "last_at")?,
                instances: col(row, "instances")?,
            })
        })
        .collect()
}
