//! Rows of SLA versions and termination notices. Both are append-only: nothing here updates
//! or deletes them.

use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::policies::{PolicyVersion, TerminationNotice};

fn version(row: &AnyRow) -> Result<PolicyVersion, StoreError> {
    Ok(PolicyVersion {
        version: col(row, "version")?,
        policy: col(row, "policy")?,
        summary_en: col(row, "summary_en")?,
        summary_nl: col(row, "summary_nl")?,
        effective_at: col(row, "effective_at")?,
        material: col::<i64>(row, "material")? != 0,
        published_by: col(row, "published_by")?,
        published_at: col(row, "published_at")?,
    })
}

pub async fn insert_version(conn: &mut Conn, v: &PolicyVersion) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policy_versions (version, policy, summary_en, summary_nl, effective_at, material,
         published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&v.version)
    .bind(&v.policy)
    .bind(&v.summary_en)
    .bind(&v.summary_nl)
    .bind(v.effective_at)
    .bind(i64::from(v.material))
    .bind(v.published_by)
    .bind(v.published_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every version, the earliest in effect first.
pub async fn versions(conn: &mut Conn) -> Result<Vec<PolicyVersion>, StoreError> {
    let rows = sqlx::query("SELECT * FROM policy_versions ORDER BY effective_at")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(version).collect()
}

pub async fn version_by_id(conn: &mut Conn, id: &str) -> Result<Option<PolicyVersion>, StoreError> {
    let row = sqlx::query("SELECT * FROM policy_versions WHERE version = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(version).transpose()
}

/// The version in force at `at`: the last to take effect by then (the first one before it).
pub async fn version_in_force(
    conn: &mut Conn,
    at: i64,
) -> Result<Option<PolicyVersion>, StoreError> {
    let row = sqlx::query(
        "SELECT * FROM policy_versions WHERE effective_at <= $1 ORDER BY effective_at DESC LIMIT 1",
    )
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    let row = match row {
        Some(row) => Some(row),
        None => {
            sqlx::query("SELECT * FROM policy_versions ORDER BY effective_at LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    row.as_ref().map(version).transpose()
}

fn notice(row: &AnyRow) -> Result<TerminationNotice, StoreError> {
    Ok(TerminationNotice {
        id: col(row, "id")?,
        organization_id: col(row, "organization_id")?,
        version: col(row, "version")?,
        user_id: col(row, "user_id")?,
        note: col(row, "note")?,
        at: col(row, "at")?,
    })
}

pub async fn insert_termination(conn: &mut Conn, n: &TerminationNotice) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO termination_notices (organization_id, version, user_id, note, at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(n.organization_id)
    .bind(&n.version)
    .bind(n.user_id)
    .bind(&n.note)
    .bind(n.at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The notices given because of `version`; of one organisation only when `only` is given.
pub async fn terminations(
    conn: &mut Conn,
    version: &str,
    only: Option<i64>,
) -> Result<Vec<TerminationNotice>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM termination_notices WHERE version = $1 AND ($2 = 0 OR organization_id = $3)
         ORDER BY at",
    )
    .bind(version)
    .bind(i64::from(only.is_some()))
    .bind(only.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(notice).collect()
}
