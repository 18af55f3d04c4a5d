//! Files on tickets (T5): their rows. The bytes are the file store's (the `files` module).

use jiff::Timestamp;
use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::attachments::{Attachment, FileState};

fn attachment(row: &AnyRow) -> Result<Attachment, StoreError> {
    let state: String = col(row, "state")?;
    let created_at: i64 = col(row, "created_at")?;
    Ok(Attachment {
        id: col(row, "id")?,
        ticket_id: col(row, "ticket_id")?,
        event_id: col(row, "event_id")?,
        name: col(row, "name")?,
        media_type: col(row, "media_type")?,
        size: col(row, "size")?,
        sha256: col(row, "sha256")?,
        state: FileState::from_key(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("file state `{state}`")))?,
        created_at: Timestamp::from_second(created_at)
            .map_err(|e| StoreError::Corrupt(format!("file time {created_at}: {e}")))?,
    })
}

/// A file's row, written after its bytes are in the file store.
pub struct NewAttachment<'a> {
    pub ticket_id: i64,
    pub event_id: i64,
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub state: FileState,
    pub at: i64,
}

pub async fn insert(conn: &mut Conn, new: &NewAttachment<'_>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO attachments (ticket_id, event_id, name, media_type, size, sha256, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.ticket_id)
    .bind(new.event_id)
    .bind(new.name)
    .bind(new.media_type)
    .bind(new.size)
    .bind(new.sha256)
    .bind(new.state.key())
    .bind(new.at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<Attachment>, StoreError> {
    sqlx::query("SELECT * FROM attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(attachment)
        .transpose()
}

/// A ticket's files, oldest first; with `public_only`, those of events the customer sees.
pub async fn of_ticket(
    conn: &mut Conn,
    ticket_id: i64,
    public_only: bool,
) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.* FROM attachments a JOIN ticket_events e ON e.id = a.event_id
         WHERE a.ticket_id = $1 AND ($2 = 0 OR e.public = 1) ORDER BY a.id",
    )
    .bind(ticket_id)
    .bind(i64::from(public_only))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(attachment).collect()
}

/// Whether the event a file came with is one the customer sees.
pub async fn on_public_event(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let public: Option<i64> = sqlx::query_scalar(
        "SELECT e.public FROM attachments a JOIN ticket_events e ON e.id = a.event_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(public == Some(1))
}

/// How many files a ticket holds and their bytes together (refused files count: they were
/// sent).
pub async fn held_by_ticket(conn: &mut Conn, ticket_id: i64) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS files, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM attachments WHERE ticket_id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((col(&row, "files")?, col(&row, "bytes")?))
}

/// Files the scan hook has still to answer for, oldest first.
pub async fn checking(conn: &mut Conn, limit: i64) -> Result<Vec<Attachment>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM attachments WHERE state = 'checking' ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(attachment).collect()
}

/// Records the scan hook's answer for every file with these bytes that still waits for it.
pub async fn set_state(conn: &mut Conn, sha256: &str, state: FileState) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("UPDATE attachments SET state = $1 WHERE sha256 = $2 AND state = 'checking'")
            .bind(state.key())
            .bind(sha256)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Whether any row points at these bytes (a file or a quarantined mail): the sweep keeps them.
pub async fn is_referenced(conn: &mut Conn, sha256: &str) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM attachments WHERE sha256 = $1
         UNION ALL SELECT 1 FROM inbound_mails WHERE raw_sha256 = $1 LIMIT 1",
    )
    .bind(sha256)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
