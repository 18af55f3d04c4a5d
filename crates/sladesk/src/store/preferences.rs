//! What each person wants to hear about, and the time zone their pages show times in.

use sladesk_core::text::Language;

use super::accounts::word;
use super::{Conn, StoreError, col};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// An IANA time zone name.
    pub time_zone: String,
    /// Mail when a ticket's status changes (T5).
    pub mail_status: bool,
    /// Mail when the service desk replies.
    pub mail_replies: bool,
    /// Contract mail: announcements of new versions of the SLA (G3).
    pub mail_contract: bool,
    /// The monthly SLA report by mail (S3): asked for, never sent unasked.
    pub mail_reports: bool,
    /// R4: the monthly release newsletter, asked for (customer contacts; anyone else
    /// subscribes on the status page).
    pub mail_releases: bool,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            time_zone: "Europe/Amsterdam".into(),
            mail_status: true,
            mail_replies: true,
            mail_contract: true,
            mail_reports: false,
            mail_releases: false,
        }
    }
}

pub async fn preferences_of(conn: &mut Conn, user_id: i64) -> Result<Preferences, StoreError> {
    let row = sqlx::query("SELECT * FROM user_preferences WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(Preferences::default());
    };
    Ok(Preferences {
        time_zone: col(&row, "time_zone")?,
        mail_status: col::<i64>(&row, "mail_status")? != 0,
        mail_replies: col::<i64>(&row, "mail_replies")? != 0,
        mail_contract: col::<i64>(&row, "mail_contract")? != 0,
        mail_reports: col::<i64>(&row, "mail_reports")? != 0,
        mail_releases: col::<i64>(&row, "mail_releases")? != 0,
    })
}

pub async fn save_preferences(
    conn: &mut Conn,
    user_id: i64,
    language: Language,
    preferences: &Preferences,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, time_zone, mail_status, mail_replies, mail_contract, mail_reports, mail_releases)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone,
             mail_status = excluded.mail_status, mail_replies = excluded.mail_replies,
             mail_contract = excluded.mail_contract, mail_reports = excluded.mail_reports,
             mail_releases = excluded.mail_releases",
    )
    .bind(user_id)
    .bind(&preferences.time_zone)
    .bind(i64::from(preferences.mail_status))
    .bind(i64::from(preferences.mail_replies))
    .bind(i64::from(preferences.mail_contract))
    .bind(i64::from(preferences.mail_reports))
    .bind(i64::from(preferences.mail_releases))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(word(&language))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The customers (active) who want contract mail, with their language.
pub async fn contract_mail_recipients(
    conn: &mut Conn,
) -> Result<Vec<crate::domain::accounts::User>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.* FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id
         WHERE u.role = 'customer' AND u.disabled_at IS NULL
           AND (p.mail_contract IS NULL OR p.mail_contract <> 0)
         ORDER BY u.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(super::accounts::user).collect()
}

/// Who gets the monthly SLA report by mail (active people only): admins always, anyone else
/// who asked for it; customers hear about their own organisation only.
pub async fn report_mail_recipients(
    conn: &mut Conn,
) -> Result<Vec<crate::domain::accounts::User>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.* FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id
         WHERE u.disabled_at IS NULL AND (u.role = 'admin' OR p.mail_reports <> 0)
         ORDER BY u.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(super::accounts::user).collect()
}

/// R4: the active people who asked for the release newsletter in their preferences.
pub async fn release_mail_recipients(
    conn: &mut Conn,
) -> Result<Vec<crate::domain::accounts::User>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.* FROM users u JOIN user_preferences p ON p.user_id = u.id
         WHERE u.disabled_at IS NULL AND p.mail_releases <> 0
         ORDER BY u.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(super::accounts::user).collect()
}
