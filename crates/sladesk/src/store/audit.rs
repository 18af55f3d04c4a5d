//! The audit trail: who did what, when, with which token. Append-only: nothing here updates
//! or deletes a row.

use serde_json::Value;

use super::{Conn, StoreError, col};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub token_id: Option<i64>,
    pub action: String,
    pub subject: String,
    pub detail: Value,
}

pub async fn record(
    conn: &mut Conn,
    at: i64,
    actor_id: Option<i64>,
    token_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, token_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(at)
    .bind(actor_id)
    .bind(token_id)
    .bind(action)
    .bind(subject)
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest entries first, before id `before`.
pub async fn list(conn: &mut Conn, before: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query("SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2")
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let detail: String = col(row, "detail")?;
            Ok(AuditEntry {
                id: col(row, "id")?,
                at: col(row, "at")?,
                actor_id: col(row, "actor_id")?,
                token_id: col(row, "token_id")?,
                action: col(row, "action")?,
                subject: col(row, "subject")?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })
        .collect()
}
