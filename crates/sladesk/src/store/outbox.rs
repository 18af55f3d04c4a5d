//! The transactional outbox: mail is written in the same transaction as the change it reports,
//! and sent later by the mailer job, with retries, so a down SMTP server loses nothing.

use sqlx::any::AnyRow;

use super::{Conn, Dialect, StoreError, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    pub attempts: i64,
    /// The left part of the mail's Message-ID (the mailer adds `@` and the sender's domain);
    /// a reply names it in In-Reply-To or References, which finds the ticket.
    pub message_id: Option<String>,
    /// The ticket files it carries (attachment ids).
    pub files: Vec<i64>,
}

fn mail(row: &AnyRow) -> Result<Mail, StoreError> {
    Ok(Mail {
        id: col(row, "id")?,
        recipient: col(row, "recipient")?,
        subject: col(row, "subject")?,
        body: col(row, "body")?,
        ticket_id: col(row, "ticket_id")?,
        attempts: col(row, "attempts")?,
        message_id: col(row, "message_id")?,
        files: {
            let listed: Option<String> = col(row, "files")?;
            match listed {
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("outbox files `{json}`: {e}")))?,
                None => Vec::new(),
            }
        },
    })
}

pub async fn enqueue(
    conn: &mut Conn,
    recipient: &str,
    subject: &str,
    body: &str,
    ticket_id: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let message_id = format!("{}.{}", ticket_id.unwrap_or(0), new_message_key()?);
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (recipient, subject, body, ticket_id, created_at, next_attempt_at, message_id)
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(ticket_id)
    .bind(now)
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Claims up to `limit` mails that are due, for `lease_seconds` (replica-safe, like the SLA
/// checks: the lease condition is checked again on the row that is updated).
pub async fn claim_due(
    conn: &mut Conn,
    dialect: Dialect,
    now: i64,
    lease_seconds: i64,
    limit: i64,
) -> Result<Vec<Mail>, StoreError> {
    let sql = super::claim_sql(
        dialect,
        "outbox",
        "lease_until",
        "sent_at IS NULL AND next_attempt_at <= $2",
        "id",
        "id, recipient, subject, body, ticket_id, attempts, message_id, files",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_seconds)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut mails = rows.iter().map(mail).collect::<Result<Vec<_>, _>>()?;
    mails.sort_by_key(|m| m.id);
    Ok(mails)
}

/// Gives a queued mail the files it carries.
pub async fn attach_files(conn: &mut Conn, id: i64, files: &[i64]) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET files = $1 WHERE id = $2")
        .bind(serde_json::Value::from(files).to_string())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The random part of a Message-ID: nobody can guess another mail's and so post to its ticket.
fn new_message_key() -> Result<String, StoreError> {
    crate::secrets::hex::<12>().map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The ticket a sent mail was about, by the left part of its Message-ID.
pub async fn ticket_of_message(
    conn: &mut Conn,
    message_id: &str,
) -> Result<Option<i64>, StoreError> {
    let found: Option<Option<i64>> =
        sqlx::query_scalar("SELECT ticket_id FROM outbox WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.flatten())
}

pub async fn mark_sent(conn: &mut Conn, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, lease_until = NULL, attempts = attempts + 1 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn mark_failed(
    conn: &mut Conn,
    id: i64,
    error: &str,
    retry_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, lease_until = NULL
         WHERE id = $3",
    )
    .bind(error)
    .bind(retry_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Mails not yet delivered.
pub async fn pending_count(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Claims the sending of a once-only mailing (`key`, like `report:2026-10`): true for the one
/// caller, whatever the number of replicas, whose row this is; call it in the transaction
/// that queues the mails, so that a failed send leaves the mailing unclaimed.
pub async fn claim_mailing(conn: &mut Conn, key: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO report_mailings (period, sent_at) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING",
    )
    .bind(key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a once-only mailing was sent.
pub async fn mailing_sent(conn: &mut Conn, key: &str) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT sent_at FROM report_mailings WHERE period = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}
