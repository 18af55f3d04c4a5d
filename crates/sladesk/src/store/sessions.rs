//! Credentials, browser sessions and failed sign-in counters. Sessions are stored by the
//! SHA-256 of their cookie value, so a copy of the database does not hold usable sessions.

use super::{Conn, StoreError, col};
use crate::domain::accounts::User;

/// What signing in needs to know about a person.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: i64,
}

pub async fn credentials_by_email(
    conn: &mut Conn,
    email: &str,
) -> Result<Option<Credentials>, StoreError> {
    let Some(user) = super::accounts::user_by_email(conn, email).await? else {
        return Ok(None);
    };
    credentials_of(conn, user).await.map(Some)
}

pub async fn credentials_of(conn: &mut Conn, user: User) -> Result<Credentials, StoreError> {
    let row = sqlx::query(
        "SELECT password_hash, totp_secret, totp_enabled, totp_last_step FROM users WHERE id = $1",
    )
    .bind(user.id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Credentials {
        password_hash: col(&row, "password_hash")?,
        totp_secret: col(&row, "totp_secret")?,
        totp_enabled: col::<i64>(&row, "totp_enabled")? != 0,
        totp_last_step: col(&row, "totp_last_step")?,
        user,
    })
}

pub async fn set_password_hash(
    conn: &mut Conn,
    user_id: i64,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_totp(
    conn: &mut Conn,
    user_id: i64,
    secret: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled = $2 WHERE id = $3")
        .bind(secret)
        .bind(i64::from(enabled))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records that the code of `step` was used, so it is not accepted again.
pub async fn use_totp_step(conn: &mut Conn, user_id: i64, step: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2")
        .bind(step)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf: String,
    pub mfa_passed: bool,
    pub expires_at: i64,
}

pub async fn insert_session(
    conn: &mut Conn,
    id_hash: &str,
    s: &Session,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, mfa_passed, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id_hash)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(i64::from(s.mfa_passed))
        .bind(now)
        .bind(s.expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The session with this hash, if it has not expired.
pub async fn session(
    conn: &mut Conn,
    id_hash: &str,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query("SELECT user_id, csrf, mfa_passed, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Session {
            user_id: col(&r, "user_id")?,
            csrf: col(&r, "csrf")?,
            mfa_passed: col::<i64>(&r, "mfa_passed")? != 0,
            expires_at: col(&r, "expires_at")?,
        })
    })
    .transpose()
}

pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session of a person; returns how many there were.
pub async fn delete_sessions_of(conn: &mut Conn, user_id: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Counts a wrong code typed in a half-signed-in session; returns how many so far.
pub async fn count_code_failure(conn: &mut Conn, id_hash: &str) -> Result<i64, StoreError> {
    let failures: Option<i64> = sqlx::query_scalar(
        "UPDATE sessions SET code_failures = code_failures + 1 WHERE id_hash = $1 RETURNING code_failures",
    )
    .bind(id_hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(failures.unwrap_or(0))
}

/// Replaces a person's recovery codes with these (hashed) ones.
pub async fn set_recovery_codes(
    conn: &mut Conn,
    user_id: i64,
    hashes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses a recovery code once; `false` if it is unknown or was used.
pub async fn use_recovery_code(
    conn: &mut Conn,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let result = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether the person's organisation makes the second step mandatory.
pub async fn organization_requires_mfa(
    conn: &mut Conn,
    organization_id: i64,
) -> Result<bool, StoreError> {
    let required: Option<i64> =
        sqlx::query_scalar("SELECT mfa_required FROM organizations WHERE id = $1")
            .bind(organization_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(required.unwrap_or(0) != 0)
}

pub async fn set_organization_mfa(
    conn: &mut Conn,
    organization_id: i64,
    required: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET mfa_required = $1 WHERE id = $2")
        .bind(i64::from(required))
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes expired sessions and spent or expired one-time links; returns how many.
pub async fn housekeeping(conn: &mut Conn, now: i64) -> Result<u64, StoreError> {
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let links =
        sqlx::query("DELETE FROM activation_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL")
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    let throttles = super::throttles::forget_quiet(conn, now).await?;
    Ok(sessions + links + throttles)
}
