//! Subscriptions by mail with double opt-in (the status page's, A5, and the release
//! newsletter's, R4), the outgoing webhooks' outbox, and resource readings.

use super::{Conn, Dialect, StoreError, col};

/// A list people subscribe to by mail, each in its own table of the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailingList {
    /// A5: incidents and maintenance.
    Status,
    /// R4: the monthly release newsletter.
    Releases,
}

impl MailingList {
    /// A name of ours, never the caller's text: safe in the SQL.
    fn table(self) -> &'static str {
        match self {
            MailingList::Status => "status_subscriptions",
            MailingList::Releases => "release_subscriptions",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub email: String,
    pub language: String,
    pub token: String,
    pub confirmed_at: Option<i64>,
}

fn subscription(row: &sqlx::any::AnyRow) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: col(row, "id")?,
        email: col(row, "email")?,
        language: col(row, "language")?,
        token: col(row, "token")?,
        confirmed_at: col(row, "confirmed_at")?,
    })
}

/// Creates an unconfirmed subscription, or updates the language of an existing one.
pub async fn subscribe(
    conn: &mut Conn,
    list: MailingList,
    email: &str,
    language: &str,
    token: &str,
    now: i64,
) -> Result<Subscription, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {} (email, language, token, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET language = excluded.language
         RETURNING *",
        list.table()
    )))
    .bind(email)
    .bind(language)
    .bind(token)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    subscription(&row)
}

/// How long after a confirmation mail another may go to the same address.
pub const CONFIRMATION_INTERVAL_SECONDS: i64 = 3600;

/// Claims the sending of a confirmation mail for an unconfirmed subscription, with a fresh
/// token (asking again is how a lost mail is re-sent): the token to mail, or `None` if one
/// went out within the hour. One statement, so two replicas cannot both send.
pub async fn claim_confirmation(
    conn: &mut Conn,
    list: MailingList,
    id: i64,
    token: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET confirmation_sent_at = $1, token = $2
         WHERE id = $3 AND confirmed_at IS NULL
           AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= $4)
         RETURNING token",
        list.table()
    )))
    .bind(now)
    .bind(token)
    .bind(id)
    .bind(now - CONFIRMATION_INTERVAL_SECONDS)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Confirms the subscription with this token; `None` if the token is unknown.
pub async fn confirm(
    conn: &mut Conn,
    list: MailingList,
    token: &str,
    now: i64,
) -> Result<Option<Subscription>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET confirmed_at = COALESCE(confirmed_at, $1) WHERE token = $2 RETURNING *",
        list.table()
    )))
    .bind(now)
    .bind(token)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(subscription).transpose()
}

/// Deletes the subscription with this token; returns its language if there was one.
pub async fn unsubscribe(
    conn: &mut Conn,
    list: MailingList,
    token: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {} WHERE token = $1 RETURNING language",
        list.table()
    )))
    .bind(token)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn confirmed_subscriptions(
    conn: &mut Conn,
    list: MailingList,
) -> Result<Vec<Subscription>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM {} WHERE confirmed_at IS NOT NULL ORDER BY id",
        list.table()
    )))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(subscription).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn enqueue_webhook(
    conn: &mut Conn,
    url: &str,
    body: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO webhook_outbox (url, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $3)")
        .bind(url)
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn claim_webhooks(
    conn: &mut Conn,
    dialect: Dialect,
    now: i64,
    lease_seconds: i64,
    limit: i64,
) -> Result<Vec<Webhook>, StoreError> {
    let sql = super::claim_sql(
        dialect,
        "webhook_outbox",
        "lease_until",
        "sent_at IS NULL AND next_attempt_at <= $2",
        "id",
        "id, url, body, attempts",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_seconds)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Webhook {
                id: col(r, "id")?,
                url: col(r, "url")?,
                body: col(r, "body")?,
                attempts: col(r, "attempts")?,
            })
        })
        .collect()
}

pub async fn webhook_sent(conn: &mut Conn, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE webhook_outbox SET sent_at = $1, lease_until = NULL, attempts = attempts + 1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn webhook_failed(
    conn: &mut Conn,
    id: i64,
    error: &str,
    retry_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, lease_until = NULL WHERE id = $3")
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a reading and returns whether the resource was already in warning before it.
pub async fn record_reading(
    conn: &mut Conn,
    component_id: i64,
    resource: &str,
    value: f64,
    at: i64,
    warning: bool,
) -> Result<bool, StoreError> {
    let was: Option<i64> = sqlx::query_scalar(
        "SELECT warning FROM resource_readings WHERE component_id = $1 AND resource = $2",
    )
    .bind(component_id)
    .bind(resource)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO resource_readings (component_id, resource, value, at, warning) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (component_id, resource) DO UPDATE SET value = excluded.value, at = excluded.at, warning = excluded.warning",
    )
    .bind(component_id)
    .bind(resource)
    .bind(value)
    .bind(at)
    .bind(i64::from(warning))
    .execute(&mut *conn)
    .await?;
    Ok(was.unwrap_or(0) != 0)
}
