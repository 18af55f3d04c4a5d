//! Organisations (customers with a contract), people, and API tokens.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::accounts::{Organization, Role, User};

/// A closed word stored as text: its name in the database and the API.
pub(crate) fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(crate) fn parse_word<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("unknown stored value `{text}`")))
}

pub(super) fn organization(row: &AnyRow) -> Result<Organization, StoreError> {
    let products: String = col(row, "products")?;
    let date = |name: &str| -> Result<Option<Date>, StoreError> {
        let text: Option<String> = col(row, name)?;
        text.map(|t| {
            t.parse()
                .map_err(|_| StoreError::Corrupt(format!("bad date `{t}`")))
        })
        .transpose()
    };
    Ok(Organization {
        id: col(row, "id")?,
        name: col(row, "name")?,
        tier: parse_word(&col::<String>(row, "tier")?)?,
        products: serde_json::from_str(&products)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        valid_from: date("valid_from")?,
        policy_version: col(row, "policy_version")?,
        terms: col::<Option<String>>(row, "terms")?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("contract terms: {e}")))?,
        valid_until: date("valid_until")?,
        policy: col(row, "policy")?,
        size_class: col(row, "size_class")?,
        created_at: col(row, "created_at")?,
    })
}

pub(crate) fn user(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: col(row, "id")?,
        email: col(row, "email")?,
        name: col(row, "name")?,
        role: parse_word(&col::<String>(row, "role")?)?,
        organization_id: col(row, "organization_id")?,
        language: parse_word(&col::<String>(row, "language")?)?,
        created_at: col(row, "created_at")?,
        disabled_at: col(row, "disabled_at")?,
    })
}

fn terms_json(org: &Organization) -> Option<String> {
    org.terms
        .as_ref()
        .and_then(|t| serde_json::to_string(t).ok())
}

pub async fn insert_organization(conn: &mut Conn, org: &Organization) -> Result<i64, StoreError> {
    let products = serde_json::to_string(&org.products).unwrap_or_else(|_| "[]".into());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (name, tier, products, valid_from, valid_until, policy, created_at, updated_at,
         policy_version, terms, size_class) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&org.name)
    .bind(word(&org.tier))
    .bind(products)
    .bind(org.valid_from.map(|d| d.to_string()))
    .bind(org.valid_until.map(|d| d.to_string()))
    .bind(&org.policy)
    .bind(org.created_at)
    .bind(&org.policy_version)
    .bind(terms_json(org))
    .bind(&org.size_class)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn update_organization(
    conn: &mut Conn,
    org: &Organization,
    now: i64,
) -> Result<(), StoreError> {
    let products = serde_json::to_string(&org.products).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE organizations SET name = $1, tier = $2, products = $3, valid_from = $4, valid_until = $5,
         policy = $6, updated_at = $7, policy_version = $9, terms = $10, size_class = $11 WHERE id = $8",
    )
    .bind(&org.name)
    .bind(word(&org.tier))
    .bind(products)
    .bind(org.valid_from.map(|d| d.to_string()))
    .bind(org.valid_until.map(|d| d.to_string()))
    .bind(&org.policy)
    .bind(now)
    .bind(org.id)
    .bind(&org.policy_version)
    .bind(terms_json(org))
    .bind(&org.size_class)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn organization_by_id(
    conn: &mut Conn,
    id: i64,
) -> Result<Option<Organization>, StoreError> {
    let row = sqlx::query("SELECT * FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(organization).transpose()
}

/// Organisations after `after` (an id), by id, at most `limit`; only `only` when given.
pub async fn list_organizations(
    conn: &mut Conn,
    only: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<Organization>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM organizations WHERE id > $1 AND ($2 = 0 OR id = $3) ORDER BY id LIMIT $4",
    )
    .bind(after)
    .bind(i64::from(only.is_some()))
    .bind(only.unwrap_or(0))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(organization).collect()
}

pub async fn insert_user(conn: &mut Conn, user: &User) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, organization_id, language, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&user.email)
    .bind(&user.name)
    .bind(word(&user.role))
    .bind(user.organization_id)
    .bind(word(&user.language))
    .bind(user.created_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// `(1, 2, 3)`-style placeholders `$1…$n` for an `IN` list (the Any driver has no arrays).
fn placeholders(n: usize) -> String {
    let list: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// Deactivates (`Some(when)`) or reactivates (`None`) a person; `false` if there is none.
pub async fn set_disabled(conn: &mut Conn, id: i64, at: Option<i64>) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The people with these ids, in one query.
pub async fn users_by_ids(conn: &mut Conn, ids: &[i64]) -> Result<Vec<User>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT * FROM users WHERE id IN {}",
        placeholders(ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(user)
        .collect()
}

/// The organisations with these ids, in one query.
pub async fn organizations_by_ids(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<Vec<Organization>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT * FROM organizations WHERE id IN {}",
        placeholders(ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(organization)
        .collect()
}

pub async fn user_by_id(conn: &mut Conn, id: i64) -> Result<Option<User>, StoreError> {
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user).transpose()
}

pub async fn user_by_email(conn: &mut Conn, email: &str) -> Result<Option<User>, StoreError> {
    let row = sqlx::query("SELECT * FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user).transpose()
}

/// People after id `after`, optionally of one organisation.
pub async fn list_users(
    conn: &mut Conn,
    organization: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<User>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM users WHERE id > $1 AND ($2 = 0 OR organization_id = $3) ORDER BY id LIMIT $4",
    )
    .bind(after)
    .bind(i64::from(organization.is_some()))
    .bind(organization.unwrap_or(0))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(user).collect()
}

/// Staff members with `role`, for notifications to a support line.
/// Everyone of the service desk who is active, by name (the assign menu).
pub async fn active_staff(conn: &mut Conn) -> Result<Vec<User>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM users WHERE role <> 'customer' AND disabled_at IS NULL ORDER BY name, email",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(user).collect()
}

pub async fn staff_with_role(conn: &mut Conn, role: Role) -> Result<Vec<User>, StoreError> {
    // Deactivated staff get no alerts and no tickets.
    let rows =
        sqlx::query("SELECT * FROM users WHERE role = $1 AND disabled_at IS NULL ORDER BY id")
            .bind(word(&role))
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(user).collect()
}

pub async fn insert_token(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &str,
    label: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// An API token as an admin sees it (never the token itself: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Tokens, newest first.
pub async fn list_tokens(conn: &mut Conn, limit: i64) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.user_id, u.email, t.label, t.created_at, t.revoked_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TokenInfo {
                id: col(row, "id")?,
                user_id: col(row, "user_id")?,
                email: col(row, "email")?,
                label: col(row, "label")?,
                created_at: col(row, "created_at")?,
                revoked_at: col(row, "revoked_at")?,
            })
        })
        .collect()
}

/// Revokes a token; `false` if there is no such token or it was revoked already.
pub async fn revoke_token(conn: &mut Conn, id: i64, now: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The user and token id behind a token hash, unless the token was revoked.
pub async fn user_by_token(
    conn: &mut Conn,
    token_hash: &str,
) -> Result<Option<(User, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT u.*, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some((user(&row)?, col(&row, "token_id")?))),
        None => Ok(None),
    }
}

/// The id of the organisation with exactly this name, the oldest if several.
pub async fn organization_named(conn: &mut Conn, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1 ORDER BY id LIMIT 1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// How many people exist (0 on a new desk).
pub async fn count_users(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}
