//! Mail received (docs/MAIL.md): one row per Message-ID, claimed before the mail is acted on,
//! so the same message delivered twice (or to two replicas at once) is acted on once.

use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};

/// A received mail as staff review it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReceivedMail {
    pub id: i64,
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: jiff::Timestamp,
    /// commented, quarantined, ignored, answered (or receiving, while it is acted on).
    pub outcome: String,
    pub reason: String,
    pub ticket_id: Option<i64>,
    /// Where a quarantined mail's raw bytes are kept in the file store.
    #[serde(skip)]
    pub raw_sha256: Option<String>,
}

fn received(row: &AnyRow) -> Result<ReceivedMail, StoreError> {
    Ok(ReceivedMail {
        id: col(row, "id")?,
        message_id: col(row, "message_id")?,
        sender: col(row, "sender")?,
        subject: col(row, "subject")?,
        received_at: {
            let second: i64 = col(row, "received_at")?;
            jiff::Timestamp::from_second(second)
                .map_err(|e| StoreError::Corrupt(format!("mail time {second}: {e}")))?
        },
        outcome: col(row, "outcome")?,
        reason: col(row, "reason")?,
        ticket_id: col(row, "ticket_id")?,
        raw_sha256: col(row, "raw_sha256")?,
    })
}

/// A claim left this long in `receiving` is a crash's: the message may be claimed again.
pub const STALE_CLAIM_SECONDS: i64 = 600;

/// Claims `message_id` for this delivery; false when it was (or is being) received already.
pub async fn claim(
    conn: &mut Conn,
    message_id: &str,
    sender: &str,
    subject: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO inbound_mails (message_id, sender, subject, received_at, outcome, reason)
         VALUES ($1, $2, $3, $4, 'receiving', '') ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(sender)
    .bind(subject)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(true);
    }
    let reclaimed = sqlx::query(
        "UPDATE inbound_mails SET received_at = $1 WHERE message_id = $2 AND outcome = 'receiving' AND received_at < $3",
    )
    .bind(now)
    .bind(message_id)
    .bind(now - STALE_CLAIM_SECONDS)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(reclaimed == 1)
}

/// What became of a claimed mail.
pub async fn settle(
    conn: &mut Conn,
    message_id: &str,
    outcome: &str,
    reason: &str,
    ticket_id: Option<i64>,
    raw_sha256: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE inbound_mails SET outcome = $1, reason = $2, ticket_id = $3, raw_sha256 = $4 WHERE message_id = $5",
    )
    .bind(outcome)
    .bind(reason)
    .bind(ticket_id)
    .bind(raw_sha256)
    .bind(message_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives a claim up (the desk failed before acting), so a redelivery is acted on.
pub async fn release(conn: &mut Conn, message_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM inbound_mails WHERE message_id = $1 AND outcome = 'receiving'")
        .bind(message_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `sender` was answered since `since` (the one answer to mail that reaches no ticket
/// is sent at most once a day an address: two robots never write to each other for long).
pub async fn answered_since(conn: &mut Conn, sender: &str, since: i64) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM inbound_mails WHERE sender = $1 AND outcome = 'answered' AND received_at >= $2 LIMIT 1",
    )
    .bind(sender)
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<ReceivedMail>, StoreError> {
    sqlx::query("SELECT * FROM inbound_mails WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(received)
        .transpose()
}

/// Records a staff member's review of a quarantined mail (released or dismissed), once: false
/// when it was no longer quarantined.
pub async fn review(conn: &mut Conn, id: i64, outcome: &str, now: i64) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE inbound_mails SET outcome = $1, reviewed_at = $2 WHERE id = $3 AND outcome = 'quarantined'",
    )
    .bind(outcome)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Received mails with `outcome`, newest first.
pub async fn with_outcome(
    conn: &mut Conn,
    outcome: &str,
    limit: i64,
) -> Result<Vec<ReceivedMail>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM inbound_mails WHERE outcome = $1 ORDER BY id DESC LIMIT $2")
            .bind(outcome)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(received).collect()
}
