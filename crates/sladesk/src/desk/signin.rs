//! Signing in (X1, X2): passwords hashed with Argon2id and checked for strength (zxcvbn),
//! back-off after failed attempts, a TOTP second factor (RFC 6238) that staff must use, and
//! browser sessions that are rotated when the second factor is passed.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use totp_rs::{Algorithm, Secret, TOTP};

use std::net::IpAddr;

use serde_json::json;

use super::throttle::{self, Key};
use super::{Desk, DeskError, token_hash};
use crate::desk::Refusal;
use crate::domain::accounts::User;
use crate::notify;
use crate::store::sessions::{self, Session};
use crate::store::{audit, outbox};

/// How long a browser session lives.
pub const SESSION_SECONDS: i64 = 12 * 3600;
const MIN_PASSWORD_CHARS: usize = 10;
/// Wrong codes after which a half-signed-in session ends (its owner signs in again).
pub const CODE_FAILURES_PER_SESSION: i64 = 3;

/// A real Argon2id hash of a random password, checked when an address is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let Ok(salt) = new_salt() else {
        return String::new();
    };
    Argon2::default()
        .hash_password(b"no such person", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// What the first step of signing in found.
#[derive(Debug)]
pub enum SignIn {
    /// Password right; the second factor is next (or its enrolment, the first time).
    NeedsCode { user: User, enrolled: bool },
    /// Password right and no second factor needed (customers whose organisation does not require it).
    Done { user: User },
}

/// A new browser session: the cookie value (shown once) and its CSRF token.
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
}

/// 16 random bytes as a password salt.
fn new_salt() -> Result<SaltString, DeskError> {
    let bytes = crate::secrets::bytes::<16>()?;
    // Encoding 16 bytes always fits a salt; were it to fail, it is the server's fault.
    SaltString::encode_b64(&bytes).map_err(|e| DeskError::Fault(format!("salt: {e}")))
}

/// The Argon2id hash of a password strong enough for `email`'s owner.
pub(crate) fn hash_password(password: &str, email: &str) -> Result<String, DeskError> {
    check_strength(password, email)?;
    let salt = new_salt()?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| DeskError::Fault(format!("password hashing failed: {e}")))?
        .to_string())
}

/// Refuses short and guessable passwords (zxcvbn score below 3).
pub fn check_strength(password: &str, email: &str) -> Result<(), DeskError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DeskError::Refused(Refusal::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        }));
    }
    let local = email.split('@').next().unwrap_or_default();
    if zxcvbn::zxcvbn(password, &[email, local, "sladesk"]).score() < zxcvbn::Score::Three {
        return Err(DeskError::Refused(Refusal::PasswordTooEasy));
    }
    Ok(())
}

fn totp_for(secret_base32: &str, email: &str) -> Result<TOTP, DeskError> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|_| DeskError::Fault("stored TOTP secret is not valid".into()))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("sladesk".into()),
        email.replace(':', "_"),
    )
    .map_err(|e| DeskError::Fault(format!("TOTP: {e}")))
}

impl Desk {
    /// Sets a person's password (from `sladesk user set-password`, later the activation link).
    pub async fn set_password(&self, email: &str, password: &str) -> Result<(), DeskError> {
        let email = super::accounts::check_email(email)?;
        let hash = hash_password(password, &email)?;
        let mut tx = self.store.write().await?;
        let user = crate::store::accounts::user_by_email(&mut tx, &email)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::User))?;
        super::registrations::password_changed(&mut tx, &user, self.clock.now().as_second())
            .await?;
        sessions::set_password_hash(&mut tx, user.id, &hash).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The first step: email and password, counted against the back-off of `throttle` for
    /// this client address and this person. Staff are refused outside their networks (X1).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<SignIn, DeskError> {
        // No real address is longer (check_email); the cut keeps junk out of keys and audit.
        let email: String = email.trim().to_lowercase().chars().take(254).collect();
        let now = self.clock.now().as_second();
        let keys = [
            Key::AddressAndPerson(client, email.clone()),
            Key::Address(client),
            Key::Person(email.clone()),
        ];
        let mut tx = self.store.write().await?;
        let counted = throttle::count(&mut tx, &keys, now).await?;
        tx.commit().await?;
        if let Some(seconds) = counted.locked_for {
            return Err(DeskError::TooManyAttempts { seconds });
        }
        // The slow hash is checked outside any transaction; the attempt is already counted.
        let credentials = {
            let mut conn = self.store.read().await?;
            sessions::credentials_by_email(&mut conn, &email).await?
        };
        // Verify against a real hash even for unknown addresses, so timing tells nothing.
        let stored = credentials
            .as_ref()
            .and_then(|c| c.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&stored).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        });
        let mut tx = self.store.write().await?;
        let credentials = match credentials {
            Some(c) if matches && c.password_hash.is_some() => c,
            known => {
                let user = known.map(|c| c.user);
                let subject = match &user {
                    Some(user) => format!("user:{}", user.id),
                    None => format!("email:{email}"),
                };
                let detail = json!({"client": client.to_string(), "step": "password"});
                audit::record(&mut tx, now, None, None, "signin.failed", &subject, &detail).await?;
                if counted.newly_locked.contains(&Key::Person(email.clone())) {
                    audit::record(&mut tx, now, None, None, "signin.locked", &subject, &detail)
                        .await?;
                    if let Some(user) = &user {
                        let mail = notify::signin_locked(&user.name, user.language);
                        outbox::enqueue(&mut tx, &user.email, &mail.subject, &mail.body, None, now)
                            .await?;
                    }
                }
                tx.commit().await?;
                return Err(DeskError::Refused(Refusal::WrongCredentials));
            }
        };
        throttle::succeeded(&mut tx, &keys).await?;
        let user = credentials.user;
        if user.disabled_at.is_some() {
            tx.commit().await?;
            return Err(DeskError::Refused(Refusal::Deactivated));
        }
        if user.role.is_staff() && !self.staff_may_work_from(client) {
            audit::record(
                &mut tx,
                now,
                Some(user.id),
                None,
                "signin.network_refused",
                &format!("user:{}", user.id),
                &json!({"client": client.to_string()}),
            )
            .await?;
            tx.commit().await?;
            return Err(DeskError::Refused(Refusal::StaffNetwork));
        }
        if let Some(org) = user.organization_id
            && crate::store::sso::sso_only(&mut tx, org).await?
        {
            tx.commit().await?;
            return Err(DeskError::Refused(Refusal::SsoOnly));
        }
        let organization_requires = match user.organization_id {
            Some(org) => sessions::organization_requires_mfa(&mut tx, org).await?,
            None => false,
        };
        tx.commit().await?;
        if user.role.is_staff() || credentials.totp_enabled || organization_requires {
            Ok(SignIn::NeedsCode {
                user,
                enrolled: credentials.totp_enabled,
            })
        } else {
            Ok(SignIn::Done { user })
        }
    }

    /// X1: records that a staff member's token was refused outside the staff networks. Best
    /// effort: the refusal stands even if the audit trail cannot be written.
    pub async fn audit_network_refusal(&self, actor: &super::Actor, client: IpAddr) {
        let written = async {
            let mut tx = self.store.write().await?;
            audit::record(
                &mut tx,
                self.clock.now().as_second(),
                actor.id(),
                actor.token_id,
                "token.network_refused",
                &format!("user:{}", actor.id().unwrap_or_default()),
                &json!({"client": client.to_string()}),
            )
            .await?;
            tx.commit().await?;
            Ok::<(), DeskError>(())
        };
        if let Err(e) = written.await {
            tracing::error!(error = %e, "could not audit a refused staff token");
        }
    }

    /// Starts a session; `mfa_passed` only once the second factor was checked.
    pub async fn open_session(
        &self,
        user_id: i64,
        mfa_passed: bool,
    ) -> Result<NewSession, DeskError> {
        let cookie = crate::secrets::hex::<32>()?;
        let csrf = crate::secrets::hex::<16>()?;
        let now = self.clock.now().as_second();
        let session = Session {
            user_id,
            csrf: csrf.clone(),
            mfa_passed,
            expires_at: now + SESSION_SECONDS,
        };
        let mut tx = self.store.write().await?;
        sessions::insert_session(&mut tx, &token_hash(&cookie), &session, now).await?;
        tx.commit().await?;
        Ok(NewSession { cookie, csrf })
    }

    /// The person and session behind a cookie value, if it is a live session.
    pub async fn session(&self, cookie: &str) -> Result<Option<(User, Session)>, DeskError> {
        let mut conn = self.store.read().await?;
        let Some(session) =
            sessions::session(&mut conn, &token_hash(cookie), self.clock.now().as_second()).await?
        else {
            return Ok(None);
        };
        let user = crate::store::accounts::user_by_id(&mut conn, session.user_id).await?;
        Ok(user
            .filter(|u| u.disabled_at.is_none())
            .map(|u| (u, session)))
    }

    pub async fn close_session(&self, cookie: &str) -> Result<(), DeskError> {
        let mut tx = self.store.write().await?;
        sessions::delete_session(&mut tx, &token_hash(cookie)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a person out of every browser.
    pub async fn close_all_sessions(&self, user_id: i64) -> Result<(), DeskError> {
        let mut tx = self.store.write().await?;
        sessions::delete_sessions_of(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The TOTP enrolment of a person who has none yet: a new secret, kept until confirmed.
    /// Returns the `otpauth://` URL (for the QR code) and the secret in base32.
    pub async fn totp_enrolment(&self, user: &User) -> Result<(String, String), DeskError> {
        let mut tx = self.store.write().await?;
        let credentials = sessions::credentials_of(&mut tx, user.clone()).await?;
        if credentials.totp_enabled {
            return Err(DeskError::Refused(Refusal::SecondStepAlreadySet));
        }
        let secret = match credentials.totp_secret {
            Some(secret) => secret,
            None => {
                let Secret::Encoded(secret) = Secret::generate_secret().to_encoded() else {
                    return Err(DeskError::Fault("could not make a TOTP secret".into()));
                };
                sessions::set_totp(&mut tx, user.id, Some(&secret), false).await?;
                secret
            }
        };
        tx.commit().await?;
        let totp = totp_for(&secret, &user.email)?;
        Ok((totp.get_url(), secret))
    }

    /// Checks a TOTP code, or a one-time recovery code (`xxxx-xxxx`), counted against the
    /// back-off of the person's second step and of the client address. A half-signed-in
    /// session (`session`, its cookie) ends after [`CODE_FAILURES_PER_SESSION`] wrong codes.
    /// The first right TOTP code completes the enrolment and returns the person's new
    /// recovery codes, to show once.
    pub async fn check_totp(
        &self,
        user: &User,
        code: &str,
        client: IpAddr,
        session: Option<&str>,
    ) -> Result<Option<Vec<String>>, DeskError> {
        let now = self.clock.now().as_second();
        let keys = [Key::SecondStep(user.id), Key::Address(client)];
        let mut tx = self.store.write().await?;
        let counted = throttle::count(&mut tx, &keys, now).await?;
        tx.commit().await?;
        if let Some(seconds) = counted.locked_for {
            return Err(DeskError::TooManyAttempts { seconds });
        }
        let mut tx = self.store.write().await?;
        match self.second_step(&mut tx, user, code, now).await? {
            Some(recovery) => {
                throttle::succeeded(&mut tx, &keys).await?;
                tx.commit().await?;
                Ok(recovery)
            }
            None => {
                let subject = format!("user:{}", user.id);
                let detail = json!({"client": client.to_string(), "step": "code"});
                audit::record(&mut tx, now, None, None, "signin.failed", &subject, &detail).await?;
                if counted.newly_locked.contains(&Key::SecondStep(user.id)) {
                    audit::record(&mut tx, now, None, None, "signin.locked", &subject, &detail)
                        .await?;
                    let mail = notify::second_step_locked(&user.name, user.language);
                    outbox::enqueue(&mut tx, &user.email, &mail.subject, &mail.body, None, now)
                        .await?;
                }
                let mut ended = false;
                if let Some(cookie) = session {
                    let hash = token_hash(cookie);
                    if sessions::count_code_failure(&mut tx, &hash).await?
                        >= CODE_FAILURES_PER_SESSION
                    {
                        sessions::delete_session(&mut tx, &hash).await?;
                        ended = true;
                    }
                }
                tx.commit().await?;
                Err(DeskError::Refused(if ended {
                    Refusal::TooManyWrongCodes
                } else {
                    Refusal::WrongCode
                }))
            }
        }
    }

    /// Judges a code inside `tx`: `Some` (with new recovery codes on enrolment) if it is
    /// right, and records its use; `None` if not.
    async fn second_step(
        &self,
        tx: &mut crate::store::Conn,
        user: &User,
        code: &str,
        now: i64,
    ) -> Result<Option<Option<Vec<String>>>, DeskError> {
        let credentials = sessions::credentials_of(tx, user.clone()).await?;
        let secret = credentials
            .totp_secret
            .ok_or_else(|| DeskError::Refused(Refusal::SecondStepNotSet))?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.contains('-') {
            let used = credentials.totp_enabled
                && sessions::use_recovery_code(tx, user.id, &token_hash(&code.to_lowercase()), now)
                    .await?;
            return Ok(used.then_some(None));
        }
        let totp = totp_for(&secret, &user.email)?;
        // The code of the current 30-second step, or of its neighbours for clock drift; each
        // step's code is accepted once, so a code seen over someone's shoulder cannot be replayed.
        let step = (-1i64..=1)
            .map(|skew| (now.max(0) as u64).saturating_add_signed(skew * 30))
            .find(|t| {
                (*t / 30) as i64 > credentials.totp_last_step
                    && same_code(&totp.generate(*t), &code)
            })
            .map(|t| (t / 30) as i64);
        let Some(step) = step else {
            return Ok(None);
        };
        sessions::use_totp_step(tx, user.id, step).await?;
        let mut recovery = None;
        if !credentials.totp_enabled {
            sessions::set_totp(tx, user.id, Some(&secret), true).await?;
            let codes: Vec<String> = (0..10)
                .map(|_| crate::secrets::hex::<4>().map(|h| format!("{}-{}", &h[..4], &h[4..])))
                .collect::<Result<_, _>>()?;
            let hashes: Vec<String> = codes.iter().map(|c| token_hash(c)).collect();
            sessions::set_recovery_codes(tx, user.id, &hashes).await?;
            recovery = Some(codes);
        }
        Ok(Some(recovery))
    }

    /// Whether an organisation makes the second step mandatory (staff).
    pub async fn mfa_required(
        &self,
        actor: &super::Actor,
        organization_id: i64,
    ) -> Result<bool, DeskError> {
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::StaffOnly));
        }
        let mut conn = self.store.read().await?;
        Ok(sessions::organization_requires_mfa(&mut conn, organization_id).await?)
    }

    /// X2: an organisation makes the second sign-in step mandatory for its people (admins).
    pub async fn require_mfa(
        &self,
        actor: &super::Actor,
        organization_id: i64,
        required: bool,
    ) -> Result<(), DeskError> {
        if !actor.is_admin() {
            return Err(DeskError::Refused(Refusal::AdminOnly));
        }
        let mut tx = self.store.write().await?;
        crate::store::accounts::organization_by_id(&mut tx, organization_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Organization))?;
        sessions::set_organization_mfa(&mut tx, organization_id, required).await?;
        crate::store::audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            "organization.mfa",
            &format!("organization:{organization_id}"),
            &serde_json::json!({"required": required}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Compares codes without telling, by timing, how much matched.
pub(super) fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
