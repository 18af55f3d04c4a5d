//! T2: first-time users ask for a portal account; the first line approves (linking them to
//! their organisation) or rejects; an approved person chooses a password through a one-time
//! activation link that is valid for 7 days.

use serde::Deserialize;
use serde_json::json;
use sladesk_core::text::Language;

use super::accounts::{NewUser, check_email, create_user_in};
use super::{Actor, Desk, DeskError, token_hash};
use crate::desk::{Field, Refusal};
use crate::domain::accounts::Role;
use crate::notify;
use crate::store::accounts::{self, parse_word, word};
use crate::store::registrations::{self as store, Registration};
use crate::store::{audit, outbox, sessions};

const ACTIVATION_SECONDS: i64 = 7 * 86_400;

#[derive(Debug, Clone, Deserialize)]
pub struct RegistrationForm {
    pub email: String,
    pub name: String,
    pub organization: String,
    #[serde(default)]
    pub message: String,
}

fn short(field: Field, given: &str, max: usize) -> Result<String, DeskError> {
    let value = given.trim();
    if value.is_empty() || given.chars().count() > max {
        return Err(DeskError::Refused(Refusal::Length { field, min: 1, max }));
    }
    Ok(value.to_string())
}

impl Desk {
    /// Records a request and tells the first line. The answer is the same whether or not the
    /// address already has an account, so the form tells nobody who is a customer.
    pub async fn request_registration(
        &self,
        form: RegistrationForm,
        language: Language,
    ) -> Result<(), DeskError> {
        let email = check_email(&form.email)?;
        let name = short(Field::Name, &form.name, 200)?;
        let organization = short(Field::Organization, &form.organization, 200)?;
        let message: String = form.message.trim().chars().take(5_000).collect();
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        if accounts::user_by_email(&mut tx, &email).await?.is_some()
            || store::pending_for(&mut tx, &email).await?
        {
            return Ok(());
        }
        let request = Registration {
            id: 0,
            email: email.clone(),
            name: name.clone(),
            organization_name: organization.clone(),
            message: message.clone(),
            language: word(&language),
            status: "pending".into(),
            created_at: now,
            user_id: None,
        };
        let id = store::insert(&mut tx, &request).await?;
        for person in accounts::staff_with_role(&mut tx, Role::FirstLine).await? {
            let mail = notify::registration_received(
                &name,
                &email,
                &organization,
                &message,
                person.language,
                &self.public_url,
            );
            outbox::enqueue(&mut tx, &person.email, &mail.subject, &mail.body, None, now).await?;
        }
        audit::record(
            &mut tx,
            now,
            None,
            None,
            "registration.request",
            &format!("registration:{id}"),
            &json!({"email": email}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn registrations(
        &self,
        actor: &Actor,
        status: &str,
    ) -> Result<Vec<Registration>, DeskError> {
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::StaffOnly));
        }
        if !["pending", "approved", "rejected"].contains(&status) {
            return Err(DeskError::Refused(Refusal::RegistrationStatus));
        }
        let mut conn = self.store.read().await?;
        Ok(store::with_status(&mut conn, status, 500).await?)
    }

    /// Approves a request: the person becomes a customer of `organization_id` and is mailed a
    /// one-time link to choose a password.
    pub async fn approve_registration(
        &self,
        actor: &Actor,
        id: i64,
        organization_id: i64,
    ) -> Result<Registration, DeskError> {
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::StaffOnly));
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let request = store::by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::RegistrationRequest))?;
        if request.status != "pending" {
            return Err(DeskError::Refused(Refusal::AlreadyDecided {
                approved: request.status == "approved",
            }));
        }
        let language: Language = parse_word(&request.language).unwrap_or(Language::Nl);
        let new = NewUser {
            email: request.email.clone(),
            name: request.name.clone(),
            role: Role::Customer,
            organization_id: Some(organization_id),
            language,
        };
        let user = create_user_in(&mut tx, actor, new, now).await?;
        if !store::decide(&mut tx, id, "approved", actor.id(), now, Some(user.id)).await? {
            return Err(DeskError::Refused(Refusal::DecidedMeanwhile));
        }
        let token = crate::secrets::hex::<32>()?;
        store::insert_activation(
            &mut tx,
            &token_hash(&token),
            user.id,
            now + ACTIVATION_SECONDS,
        )
        .await?;
        let link = format!(
            "{}/activate?token={token}",
            self.public_url.trim_end_matches('/')
        );
        let mail = notify::activation(&user.name, &link, language);
        outbox::enqueue(&mut tx, &user.email, &mail.subject, &mail.body, None, now).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "registration.approve",
            &format!("registration:{id}"),
            &json!({"user_id": user.id, "organization_id": organization_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(Registration {
            status: "approved".into(),
            user_id: Some(user.id),
            ..request
        })
    }

    pub async fn reject_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> Result<Registration, DeskError> {
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::StaffOnly));
        }
        let reason = short(Field::Reason, reason, 5_000)?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let request = store::by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::RegistrationRequest))?;
        if !store::decide(&mut tx, id, "rejected", actor.id(), now, None).await? {
            return Err(DeskError::Refused(Refusal::AlreadyDecided {
                approved: request.status == "approved",
            }));
        }
        let language: Language = parse_word(&request.language).unwrap_or(Language::Nl);
        let mail = notify::registration_rejected(&request.name, &reason, language);
        outbox::enqueue(
            &mut tx,
            &request.email,
            &mail.subject,
            &mail.body,
            None,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "registration.reject",
            &format!("registration:{id}"),
            &json!({"reason": reason}),
        )
        .await?;
        tx.commit().await?;
        Ok(Registration {
            status: "rejected".into(),
            ..request
        })
    }

    /// Password reset by email: a one-time link (valid 1 hour) to the address, if it belongs to
    /// someone. The answer is the same either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), DeskError> {
        let Ok(email) = check_email(email) else {
            return Ok(());
        };
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let Some(user) = accounts::user_by_email(&mut tx, &email).await? else {
            return Ok(());
        };
        let token = crate::secrets::hex::<32>()?;
        store::insert_activation(&mut tx, &token_hash(&token), user.id, now + 3600).await?;
        let link = format!(
            "{}/activate?token={token}",
            self.public_url.trim_end_matches('/')
        );
        let mail = notify::password_reset(&user.name, &link, user.language);
        outbox::enqueue(&mut tx, &user.email, &mail.subject, &mail.body, None, now).await?;
        audit::record(
            &mut tx,
            now,
            None,
            None,
            "user.password_reset",
            &format!("user:{}", user.id),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether an activation link is still good (to show the form or an explanation).
    pub async fn activation_valid(&self, token: &str) -> Result<bool, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(
            store::activation_user(&mut conn, &token_hash(token), self.clock.now().as_second())
                .await?
                .is_some(),
        )
    }

    /// Uses an activation link once: sets the person's password.
    pub async fn activate(&self, token: &str, password: &str) -> Result<(), DeskError> {
        let now = self.clock.now().as_second();
        let hash_of_token = token_hash(token);
        let mut tx = self.store.write().await?;
        let user_id = store::activation_user(&mut tx, &hash_of_token, now)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::ActivationLink))?;
        let user = accounts::user_by_id(&mut tx, user_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::ActivationLink))?;
        let hash = super::signin::hash_password(password, &user.email)?;
        if !store::use_activation(&mut tx, &hash_of_token, now).await? {
            return Err(DeskError::NotFound(crate::desk::Thing::ActivationLink));
        }
        password_changed(&mut tx, &user, now).await?;
        sessions::set_password_hash(&mut tx, user.id, &hash).await?;
        audit::record(
            &mut tx,
            now,
            Some(user.id),
            None,
            "user.activate",
            &format!("user:{}", user.id),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A new password (reset, activation or set by an admin) ends every session of the person,
/// wherever they were signed in, and a mail says so: whoever reset a leaked password is not
/// left sharing the account with the thief.
/// Call it before the new hash is stored: a first password (activation, or set by an admin
/// for someone who had none) ends sessions too but sends no mail, since nothing was changed.
pub(super) async fn password_changed(
    conn: &mut crate::store::Conn,
    user: &crate::domain::accounts::User,
    now: i64,
) -> Result<(), DeskError> {
    let had_one = sessions::credentials_of(conn, user.clone())
        .await?
        .password_hash
        .is_some();
    let ended = sessions::delete_sessions_of(conn, user.id).await?;
    if had_one {
        let mail = notify::password_changed(&user.name, ended, user.language);
        outbox::enqueue(conn, &user.email, &mail.subject, &mail.body, None, now).await?;
    }
    audit::record(
        conn,
        now,
        Some(user.id),
        None,
        "user.sessions_ended",
        &format!("user:{}", user.id),
        &json!({"sessions": ended, "why": "password changed"}),
    )
    .await?;
    Ok(())
}
