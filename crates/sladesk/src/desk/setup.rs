//! The first run: a desk with nobody in it offers a one-time setup link (printed by
//! `sladesk serve`), through which whoever runs it creates the first admin in the browser,
//! as Gitea or Grafana greet their first user.

use serde_json::json;
use sladesk_core::text::Language;

use super::accounts::{NewUser, create_user_in};
use super::{Actor, Desk, DeskError};
use crate::desk::Refusal;
use crate::domain::accounts::{Role, User};
use crate::store::{audit, sessions};

impl Desk {
    /// Whether nobody can sign in yet: no person exists at all.
    pub async fn is_empty(&self) -> Result<bool, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(crate::store::accounts::count_users(&mut conn).await? == 0)
    }

    /// Creates the first admin, with a password, if nobody exists yet (another replica, or
    /// `sladesk token create`, may have made someone meanwhile: then this is refused).
    pub async fn create_first_admin(
        &self,
        name: &str,
        email: &str,
        password: &str,
        language: Language,
    ) -> Result<User, DeskError> {
        let email = super::accounts::check_email(email)?;
        let hash = super::signin::hash_password(password, &email)?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        if crate::store::accounts::count_users(&mut tx).await? > 0 {
            return Err(DeskError::Refused(Refusal::FirstAdminExists));
        }
        let new = NewUser {
            email,
            name: name.trim().to_string(),
            role: Role::Admin,
            organization_id: None,
            language,
        };
        let user = create_user_in(&mut tx, &Actor::system(), new, now).await?;
        sessions::set_password_hash(&mut tx, user.id, &hash).await?;
        audit::record(
            &mut tx,
            now,
            Some(user.id),
            None,
            "setup.first_admin",
            &format!("user:{}", user.id),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }
}
