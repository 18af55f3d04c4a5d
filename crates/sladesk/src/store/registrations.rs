//! Registration requests (T2) and one-time activation tokens (stored as hashes).

use super::{Conn, StoreError, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub organization_name: String,
    pub message: String,
    pub language: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: i64,
    pub user_id: Option<i64>,
}

fn registration(row: &sqlx::any::AnyRow) -> Result<Registration, StoreError> {
    Ok(Registration {
        id: col(row, "id")?,
        email: col(row, "email")?,
        name: col(row, "name")?,
        organization_name: col(row, "organization_name")?,
        message: col(row, "message")?,
        language: col(row, "language")?,
        status: col(row, "status")?,
        created_at: col(row, "created_at")?,
        user_id: col(row, "user_id")?,
    })
}

pub async fn insert(conn: &mut Conn, r: &Registration) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO registration_requests (email, name, organization_name, message, language, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&r.email)
    .bind(&r.name)
    .bind(&r.organization_name)
    .bind(&r.message)
    .bind(&r.language)
    .bind(r.created_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<Registration>, StoreError> {
    let row = sqlx::query("SELECT * FROM registration_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(registration).transpose()
}

pub async fn pending_for(conn: &mut Conn, email: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registration_requests WHERE email = $1 AND status = 'pending'",
    )
    .bind(email)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Requests with `status`, oldest first.
pub async fn with_status(
    conn: &mut Conn,
    status: &str,
    limit: i64,
) -> Result<Vec<Registration>, StoreError> {
    let rows =
        sqlx::query("SELECT * FROM registration_requests WHERE status = $1 ORDER BY id LIMIT $2")
            .bind(status)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(registration).collect()
}

/// Decides a pending request; `false` if it was decided already.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    status: &str,
    by: Option<i64>,
    at: i64,
    user_id: Option<i64>,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE registration_requests SET status = $1, decided_by = $2, decided_at = $3, user_id = $4
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(by)
    .bind(at)
    .bind(user_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn insert_activation(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO activation_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The person of an unused, unexpired activation token.
pub async fn activation_user(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT user_id FROM activation_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Marks the token used; `false` if it was used (or expired) meanwhile.
pub async fn use_activation(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let result = sqlx::query("UPDATE activation_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
