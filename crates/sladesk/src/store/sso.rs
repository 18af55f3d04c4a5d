//! Single sign-on rows (X2): an organisation's provider with its domains, and the sign-ins
//! under way (taken once: `DELETE … RETURNING`, so a replayed state finds nothing, on every
//! replica).

use super::{Conn, StoreError, col};
use crate::domain::accounts::Role;
use crate::domain::sso::OrganizationSso;

/// An organisation's provider with its secret, for the desk only.
#[derive(Clone)]
pub struct ProviderRow {
    pub shown: OrganizationSso,
    pub client_secret: String,
}

impl std::fmt::Debug for ProviderRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderRow")
            .field("shown", &self.shown)
            .field("client_secret", &"***")
            .finish()
    }
}

fn strings(json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("sso list: {e}")))
}

pub async fn provider(
    conn: &mut Conn,
    organization_id: i64,
) -> Result<Option<ProviderRow>, StoreError> {
    let Some(row) = sqlx::query("SELECT * FROM organization_sso WHERE organization_id = $1")
        .bind(organization_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let domains: Vec<String> = sqlx::query_scalar(
        "SELECT domain FROM sso_domains WHERE organization_id = $1 ORDER BY domain",
    )
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    let secret: String = col(&row, "client_secret")?;
    Ok(Some(ProviderRow {
        shown: OrganizationSso {
            organization_id,
            issuer: col(&row, "issuer")?,
            client_id: col(&row, "client_id")?,
            client_secret_set: !secret.is_empty(),
            domains,
            provisioning: col::<i64>(&row, "provisioning")? != 0,
            sso_only: col::<i64>(&row, "sso_only")? != 0,
            mfa_values: strings(&col::<String>(&row, "mfa_values")?)?,
            verified_email_claim: col::<i64>(&row, "verified_email_claim")? != 0,
            updated_at: col(&row, "updated_at")?,
        },
        client_secret: secret,
    }))
}

/// The organisation whose provider may vouch for `domain`.
pub async fn organization_of_domain(
    conn: &mut Conn,
    domain: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT organization_id FROM sso_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Whether an organisation makes single sign-on the only way in.
pub async fn sso_only(conn: &mut Conn, organization_id: i64) -> Result<bool, StoreError> {
    let only: Option<i64> =
        sqlx::query_scalar("SELECT sso_only FROM organization_sso WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(only.unwrap_or(0) != 0)
}

/// Saves an organisation's provider and its domains (replacing earlier ones). A domain
/// another organisation holds fails as a uniqueness violation.
pub async fn save_provider(conn: &mut Conn, row: &ProviderRow) -> Result<(), StoreError> {
    let s = &row.shown;
    let mfa = serde_json::to_string(&s.mfa_values).unwrap_or_else(|_| "[]".into());
    sqlx::query("DELETE FROM organization_sso WHERE organization_id = $1")
        .bind(s.organization_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO organization_sso (organization_id, issuer, client_id, client_secret, mfa_values, provisioning, sso_only, verified_email_claim, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(s.organization_id)
    .bind(&s.issuer)
    .bind(&s.client_id)
    .bind(&row.client_secret)
    .bind(mfa)
    .bind(i64::from(s.provisioning))
    .bind(i64::from(s.sso_only))
    .bind(i64::from(s.verified_email_claim))
    .bind(s.updated_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM sso_domains WHERE organization_id = $1")
        .bind(s.organization_id)
        .execute(&mut *conn)
        .await?;
    for domain in &s.domains {
        sqlx::query("INSERT INTO sso_domains (domain, organization_id) VALUES ($1, $2)")
            .bind(domain)
            .bind(s.organization_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Removes an organisation's provider; `false` if it had none.
pub async fn delete_provider(conn: &mut Conn, organization_id: i64) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM sso_domains WHERE organization_id = $1")
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM organization_sso WHERE organization_id = $1")
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A sign-in under way.
#[derive(Clone)]
pub struct Flow {
    pub browser_hash: String,
    /// `None`: the staff provider.
    pub organization_id: Option<i64>,
    pub nonce: String,
    pub verifier: String,
    pub next: Option<String>,
    pub language: String,
    pub expires_at: i64,
}

pub async fn insert_flow(
    conn: &mut Conn,
    state_hash: &str,
    flow: &Flow,
    now: i64,
) -> Result<(), StoreError> {
    // Old flows go as new ones come: no job needed, and the table stays small.
    sqlx::query("DELETE FROM sso_flows WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO sso_flows (state_hash, browser_hash, organization_id, nonce, verifier, next, language, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(state_hash)
    .bind(&flow.browser_hash)
    .bind(flow.organization_id)
    .bind(&flow.nonce)
    .bind(&flow.verifier)
    .bind(&flow.next)
    .bind(&flow.language)
    .bind(flow.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the flow of a state: it is gone afterwards, whether it is still live or not.
pub async fn take_flow(conn: &mut Conn, state_hash: &str) -> Result<Option<Flow>, StoreError> {
    let row = sqlx::query("DELETE FROM sso_flows WHERE state_hash = $1 RETURNING *")
        .bind(state_hash)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Flow {
            browser_hash: col(&r, "browser_hash")?,
            organization_id: col(&r, "organization_id")?,
            nonce: col(&r, "nonce")?,
            verifier: col(&r, "verifier")?,
            next: col(&r, "next")?,
            language: col(&r, "language")?,
            expires_at: col(&r, "expires_at")?,
        })
    })
    .transpose()
}

/// Sets a staff member's role (from the provider's groups at sign-in).
pub async fn set_role(conn: &mut Conn, user_id: i64, role: Role) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(super::accounts::word(&role))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
