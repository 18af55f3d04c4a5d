//! Single sign-on (X2): a customer organisation's own OpenID provider, and the vendor's for
//! staff. The protocol is `crate::oidc`'s; this module decides what a vouched-for identity may
//! do:
//!
//! - a customer provider vouches only for verified addresses of its organisation's domains;
//!   an address of a person of another organisation (or of staff) is refused, an unknown one
//!   is created in the organisation when it provisions at first sign-in;
//! - the staff provider's groups decide the role at every sign-in, so a group taken away at
//!   the provider takes the role away here; no mapped group, no sign-in;
//! - a second factor done at the provider counts when its `amr`/`acr` says so (values per
//!   provider); otherwise the person passes sladesk's own second step where one is required
//!   (always for staff);
//! - a deactivated person is refused, and an organisation may refuse passwords altogether.
//!
//! A sign-in under way is kept in the database (any replica may receive the browser's
//! return), bound to the browser that started it, taken once, and lives ten minutes.

use std::net::IpAddr;

use serde_json::json;
use sladesk_core::text::Language;

use super::signin::SignIn;
use super::{Actor, Desk, DeskError, Field, Refusal, Thing, token_hash};
use crate::config::SsoConfig;
use crate::domain::accounts::{Role, User};
use crate::domain::sso::{
    DEFAULT_MFA_VALUES, OrganizationSso, SsoSetting, SsoSettings, email_domain, normalise_domain,
    second_factor_done,
};
use crate::oidc::{self, OidcError, Provider, RelyingParty};
use crate::store::sso::{self as rows, Flow, ProviderRow};
use crate::store::{accounts, audit, sessions};

/// How long a browser may take at the provider.
pub const FLOW_SECONDS: i64 = 600;
/// Scopes asked of a customer organisation's provider, beyond `openid`.
const ORGANIZATION_SCOPES: [&str; 2] = ["email", "profile"];
const MAX_DOMAINS: usize = 50;
const MAX_MFA_VALUES: usize = 20;

/// The single sign-on of one server: the relying party and the staff provider, if any.
pub struct SsoSetup {
    relying_party: RelyingParty,
    staff: Option<StaffProvider>,
}

impl std::fmt::Debug for SsoSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSetup")
            .field("staff", &self.staff.as_ref().map(|s| &s.issuer))
            .finish()
    }
}

struct StaffProvider {
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    groups_claim: String,
    roles: Vec<(String, Role)>,
    mfa_values: Vec<String>,
    provisioning: bool,
}

impl StaffProvider {
    fn provider<'a>(&'a self, redirect_url: &'a str) -> Provider<'a> {
        Provider {
            issuer: &self.issuer,
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            scopes: &self.scopes,
            redirect_url,
        }
    }
}

fn organization_scopes() -> Vec<String> {
    ORGANIZATION_SCOPES.map(String::from).to_vec()
}

fn organization_provider<'a>(
    row: &'a ProviderRow,
    scopes: &'a [String],
    redirect_url: &'a str,
) -> Provider<'a> {
    Provider {
        issuer: &row.shown.issuer,
        client_id: &row.shown.client_id,
        client_secret: &row.client_secret,
        scopes,
        redirect_url,
    }
}

impl SsoSetup {
    /// No staff provider (organisations' providers are set in the desk).
    pub fn without_staff() -> SsoSetup {
        SsoSetup {
            relying_party: RelyingParty::new(),
            staff: None,
        }
    }

    /// From the configuration; a wrong role name or issuer is the operator's error to fix.
    pub fn new(config: &SsoConfig) -> Result<SsoSetup, String> {
        let relying_party = RelyingParty::new();
        let c = &config.staff;
        let staff = if c.issuer.trim().is_empty() {
            None
        } else {
            oidc::issuer_url(&c.issuer).map_err(|e| format!("sso.staff.issuer: {e}"))?;
            if c.client_id.trim().is_empty() {
                return Err("sso.staff.client_id is empty".into());
            }
            let roles = c
                .roles
                .iter()
                .map(|r| {
                    let role: Role = serde_json::from_value(json!(r.role.trim()))
                        .ok()
                        .filter(|role: &Role| role.is_staff())
                        .ok_or_else(|| {
                            format!(
                                "sso.staff.roles: `{}` is not a staff role (first_line, second_line, third_line, saas_team, admin)",
                                r.role
                            )
                        })?;
                    Ok((r.group.clone(), role))
                })
                .collect::<Result<Vec<_>, String>>()?;
            if roles.is_empty() {
                return Err("sso.staff.roles: map at least one group to a role".into());
            }
            Some(StaffProvider {
                issuer: c.issuer.trim().to_string(),
                client_id: c.client_id.trim().to_string(),
                client_secret: c.client_secret.clone(),
                scopes: c.scopes.clone(),
                groups_claim: c.groups_claim.clone(),
                roles,
                mfa_values: c.mfa_values.clone(),
                provisioning: c.provisioning,
            })
        };
        Ok(SsoSetup {
            relying_party,
            staff,
        })
    }
}

/// Whose provider a sign-in goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoTarget {
    Staff,
    Organization(i64),
}

/// A started sign-in: the provider's URL to send the browser to, and the value of the cookie
/// that binds the sign-in to this browser.
#[derive(Debug)]
pub struct SsoStart {
    pub url: String,
    pub browser: String,
}

/// The browser's return from the provider.
#[derive(Debug, Default)]
pub struct SsoReturn<'a> {
    pub state: &'a str,
    pub code: Option<&'a str>,
    /// The provider's error code (`access_denied`, …) instead of a code.
    pub error: Option<&'a str>,
    /// RFC 9207: the issuer that answered.
    pub iss: Option<&'a str>,
    /// The binding cookie's value.
    pub browser: Option<&'a str>,
}

/// A finished sign-in: the sign-in result, the page asked for, the language of the start.
#[derive(Debug)]
pub struct SsoSignedIn {
    pub signed: SignIn,
    pub next: Option<String>,
    pub language: Language,
}

fn language_word(language: Language) -> &'static str {
    match language {
        Language::Nl => "nl",
        Language::En => "en",
    }
}

fn provider_refused(e: OidcError) -> DeskError {
    match e {
        OidcError::Token(problem) => DeskError::Refused(Refusal::SsoToken {
            check: problem.to_string(),
        }),
        other => DeskError::Refused(Refusal::SsoProvider {
            detail: other.to_string(),
        }),
    }
}

impl Desk {
    /// Signs in with OpenID providers: organisations' from the desk, staff's from `setup`.
    pub fn with_sso(mut self, setup: SsoSetup) -> Desk {
        self.sso = std::sync::Arc::new(setup);
        self
    }

    /// Whether staff can sign in with the vendor's provider.
    pub fn staff_sso(&self) -> bool {
        self.sso.staff.is_some()
    }

    /// The callback URL every provider is given.
    pub fn sso_redirect_url(&self) -> String {
        format!("{}/login/sso/callback", self.public_url)
    }

    /// The organisation whose provider signs in `email` (by its domain).
    pub async fn sso_organization_for(&self, email: &str) -> Result<i64, DeskError> {
        let domain = email_domain(email).ok_or_else(|| {
            DeskError::Refused(Refusal::NotAnEmail {
                given: email.chars().take(254).collect(),
            })
        })?;
        let mut conn = self.store.read().await?;
        rows::organization_of_domain(&mut conn, &domain)
            .await?
            .ok_or(DeskError::Refused(Refusal::SsoNotSetUp))
    }

    /// Starts a sign-in at `target`'s provider; `next` is the page to land on afterwards.
    pub async fn start_sso(
        &self,
        target: SsoTarget,
        next: Option<String>,
        language: Language,
    ) -> Result<SsoStart, DeskError> {
        let redirect = self.sso_redirect_url();
        let (organization_id, started) = match target {
            SsoTarget::Staff => {
                let staff = self
                    .sso
                    .staff
                    .as_ref()
                    .ok_or(DeskError::Refused(Refusal::SsoNotSetUp))?;
                let started = self
                    .sso
                    .relying_party
                    .start(staff.provider(&redirect), language_word(language))
                    .await;
                (None, started)
            }
            SsoTarget::Organization(id) => {
                let row = {
                    let mut conn = self.store.read().await?;
                    rows::provider(&mut conn, id)
                        .await?
                        .ok_or(DeskError::Refused(Refusal::SsoNotSetUp))?
                };
                let scopes = organization_scopes();
                let started = self
                    .sso
                    .relying_party
                    .start(
                        organization_provider(&row, &scopes, &redirect),
                        language_word(language),
                    )
                    .await;
                (Some(id), started)
            }
        };
        let started = started.map_err(provider_refused)?;
        let browser = crate::secrets::hex::<32>()?;
        let now = self.clock.now().as_second();
        let flow = Flow {
            browser_hash: token_hash(&browser),
            organization_id,
            nonce: started.nonce,
            verifier: started.verifier,
            next,
            language: language_word(language).into(),
            expires_at: now + FLOW_SECONDS,
        };
        let mut tx = self.store.write().await?;
        rows::insert_flow(&mut tx, &token_hash(&started.state), &flow, now).await?;
        tx.commit().await?;
        Ok(SsoStart {
            url: started.url,
            browser,
        })
    }

    /// Finishes a sign-in when the browser comes back from the provider. Every refusal is in
    /// the audit trail with its reason.
    pub async fn finish_sso(
        &self,
        back: SsoReturn<'_>,
        client: IpAddr,
    ) -> Result<SsoSignedIn, DeskError> {
        let now = self.clock.now().as_second();
        let flow = {
            let mut tx = self.store.write().await?;
            let flow = rows::take_flow(&mut tx, &token_hash(back.state)).await?;
            tx.commit().await?;
            flow
        };
        let live = flow.filter(|f| {
            f.expires_at > now
                && back
                    .browser
                    .is_some_and(|b| super::signin::same_code(&token_hash(b), &f.browser_hash))
        });
        let result = match live {
            None => Err(DeskError::Refused(Refusal::SsoFlowUnknown)),
            Some(flow) => self.vouched(&flow, &back, client, now).await.map(|signed| {
                let language = if flow.language == "en" {
                    Language::En
                } else {
                    Language::Nl
                };
                SsoSignedIn {
                    signed,
                    next: flow.next.clone(),
                    language,
                }
            }),
        };
        if let Err(DeskError::Refused(refusal)) = &result {
            let mut tx = self.store.write().await?;
            audit::record(
                &mut tx,
                now,
                None,
                None,
                "signin.sso_refused",
                "sso",
                &json!({"client": client.to_string(), "reason": refusal.to_string()}),
            )
            .await?;
            tx.commit().await?;
        }
        result
    }

    /// The identity the provider vouches for, checked, and the person it signs in.
    async fn vouched(
        &self,
        flow: &Flow,
        back: &SsoReturn<'_>,
        client: IpAddr,
        now: i64,
    ) -> Result<SignIn, DeskError> {
        if let Some(error) = back.error {
            let detail: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(60)
                .collect();
            return Err(DeskError::Refused(Refusal::SsoProvider { detail }));
        }
        let code = back
            .code
            .ok_or(DeskError::Refused(Refusal::SsoFlowUnknown))?;
        let redirect = self.sso_redirect_url();
        match flow.organization_id {
            Some(organization_id) => {
                let row = {
                    let mut conn = self.store.read().await?;
                    rows::provider(&mut conn, organization_id)
                        .await?
                        .ok_or(DeskError::Refused(Refusal::SsoNotSetUp))?
                };
                let scopes = organization_scopes();
                let identity = self
                    .sso
                    .relying_party
                    .finish(
                        organization_provider(&row, &scopes, &redirect),
                        oidc::Returned {
                            code,
                            verifier: &flow.verifier,
                            nonce: &flow.nonce,
                            issuer: back.iss,
                        },
                        &[],
                        now,
                    )
                    .await
                    .map_err(provider_refused)?;
                self.customer_vouched(&row, &identity, flow, now).await
            }
            None => {
                let staff = self
                    .sso
                    .staff
                    .as_ref()
                    .ok_or(DeskError::Refused(Refusal::SsoNotSetUp))?;
                let identity = self
                    .sso
                    .relying_party
                    .finish(
                        staff.provider(&redirect),
                        oidc::Returned {
                            code,
                            verifier: &flow.verifier,
                            nonce: &flow.nonce,
                            issuer: back.iss,
                        },
                        &[staff.groups_claim.as_str()],
                        now,
                    )
                    .await
                    .map_err(provider_refused)?;
                self.staff_vouched(staff, &identity, flow, client, now)
                    .await
            }
        }
    }

    async fn customer_vouched(
        &self,
        row: &ProviderRow,
        identity: &oidc::Identity,
        flow: &Flow,
        now: i64,
    ) -> Result<SignIn, DeskError> {
        let email = verified_email(identity, row.shown.verified_email_claim)?;
        let organization_id = row.shown.organization_id;
        let domain = email_domain(&email).unwrap_or_default();
        if !row.shown.domains.contains(&domain) {
            return Err(DeskError::Refused(Refusal::SsoWrongDomain { domain }));
        }
        let mut tx = self.store.write().await?;
        let user = match accounts::user_by_email(&mut tx, &email).await? {
            Some(user)
                if user.role != Role::Customer || user.organization_id != Some(organization_id) =>
            {
                return Err(DeskError::Refused(Refusal::SsoOtherOrganization));
            }
            Some(user) => user,
            None if row.shown.provisioning => {
                provision(
                    &mut tx,
                    identity,
                    &email,
                    Role::Customer,
                    Some(organization_id),
                    flow,
                    now,
                )
                .await?
            }
            None => return Err(DeskError::Refused(Refusal::SsoUnknownPerson)),
        };
        if user.disabled_at.is_some() {
            return Err(DeskError::Refused(Refusal::Deactivated));
        }
        let required = sessions::organization_requires_mfa(&mut tx, organization_id).await?;
        let factor = second_factor_done(
            &identity.amr,
            identity.acr.as_deref(),
            &row.shown.mfa_values,
        );
        let signed = self
            .signed_in(&mut tx, user, identity, required && !factor, factor, now)
            .await?;
        tx.commit().await?;
        Ok(signed)
    }

    async fn staff_vouched(
        &self,
        staff: &StaffProvider,
        identity: &oidc::Identity,
        flow: &Flow,
        client: IpAddr,
        now: i64,
    ) -> Result<SignIn, DeskError> {
        let email = verified_email(identity, true)?;
        let groups = identity.strings(&staff.groups_claim);
        let role = staff
            .roles
            .iter()
            .find(|(group, _)| groups.contains(group))
            .map(|(_, role)| *role);
        let mut tx = self.store.write().await?;
        let known = accounts::user_by_email(&mut tx, &email).await?;
        if known.as_ref().is_some_and(|u| u.role == Role::Customer) {
            return Err(DeskError::Refused(Refusal::SsoOtherOrganization));
        }
        let Some(role) = role else {
            if let Some(user) = &known {
                // The provider took every mapped group away: no session of theirs stays open.
                sessions::delete_sessions_of(&mut tx, user.id).await?;
                audit::record(
                    &mut tx,
                    now,
                    None,
                    None,
                    "user.role_withdrawn_by_provider",
                    &format!("user:{}", user.id),
                    &json!({"groups": groups}),
                )
                .await?;
                tx.commit().await?;
            }
            return Err(DeskError::Refused(Refusal::SsoNoRole));
        };
        let user = match known {
            Some(mut user) => {
                if user.role != role {
                    rows::set_role(&mut tx, user.id, role).await?;
                    audit::record(
                        &mut tx,
                        now,
                        None,
                        None,
                        "user.role_from_provider",
                        &format!("user:{}", user.id),
                        &json!({"from": user.role, "to": role, "groups": groups}),
                    )
                    .await?;
                    user.role = role;
                }
                user
            }
            None if staff.provisioning => {
                provision(&mut tx, identity, &email, role, None, flow, now).await?
            }
            None => return Err(DeskError::Refused(Refusal::SsoUnknownPerson)),
        };
        if user.disabled_at.is_some() {
            tx.commit().await?;
            return Err(DeskError::Refused(Refusal::Deactivated));
        }
        if !self.staff_may_work_from(client) {
            tx.commit().await?;
            return Err(DeskError::Refused(Refusal::StaffNetwork));
        }
        let factor = second_factor_done(&identity.amr, identity.acr.as_deref(), &staff.mfa_values);
        let signed = self
            .signed_in(&mut tx, user, identity, !factor, factor, now)
            .await?;
        tx.commit().await?;
        Ok(signed)
    }

    /// Records the sign-in; the person still owes sladesk's second step when `needs_code`.
    async fn signed_in(
        &self,
        tx: &mut crate::store::Conn,
        user: User,
        identity: &oidc::Identity,
        needs_code: bool,
        factor_at_provider: bool,
        now: i64,
    ) -> Result<SignIn, DeskError> {
        audit::record(
            tx,
            now,
            Some(user.id),
            None,
            "signin.sso",
            &format!("user:{}", user.id),
            &json!({
                "issuer": identity.issuer,
                "subject": identity.subject,
                "amr": identity.amr,
                "second_factor_at_provider": factor_at_provider,
            }),
        )
        .await?;
        if needs_code {
            let credentials = sessions::credentials_of(tx, user.clone()).await?;
            Ok(SignIn::NeedsCode {
                user,
                enrolled: credentials.totp_enabled,
            })
        } else {
            Ok(SignIn::Done { user })
        }
    }

    /// An organisation's provider as shown to admins (never its secret), if it has one.
    pub async fn organization_sso(
        &self,
        actor: &Actor,
        organization_id: i64,
    ) -> Result<SsoSetting, DeskError> {
        if !actor.is_admin() {
            return Err(DeskError::Refused(Refusal::AdminOnly));
        }
        let mut conn = self.store.read().await?;
        accounts::organization_by_id(&mut conn, organization_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        Ok(SsoSetting {
            organization_id,
            provider: rows::provider(&mut conn, organization_id)
                .await?
                .map(|row| row.shown),
        })
    }

    /// Sets an organisation's provider (admins). The provider is read once before saving, so
    /// a mistyped issuer is refused now rather than at a customer's first sign-in.
    pub async fn set_organization_sso(
        &self,
        actor: &Actor,
        organization_id: i64,
        settings: SsoSettings,
    ) -> Result<OrganizationSso, DeskError> {
        if !actor.is_admin() {
            return Err(DeskError::Refused(Refusal::AdminOnly));
        }
        let issuer = checked_text(Field::Issuer, &settings.issuer, 500)?;
        oidc::issuer_url(&issuer).map_err(|e| {
            DeskError::Refused(Refusal::SsoIssuer {
                detail: e.to_string(),
            })
        })?;
        let client_id = checked_text(Field::ClientId, &settings.client_id, 300)?;
        let mut domains = Vec::new();
        for given in settings.domains.iter().take(MAX_DOMAINS + 1) {
            let domain = normalise_domain(given).ok_or_else(|| {
                DeskError::Refused(Refusal::SsoDomainInvalid {
                    given: given.chars().take(100).collect(),
                })
            })?;
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        if domains.is_empty() {
            return Err(DeskError::Refused(Refusal::Empty {
                field: Field::Domains,
            }));
        }
        if domains.len() > MAX_DOMAINS {
            return Err(DeskError::Refused(Refusal::TooLong {
                field: Field::Domains,
                max: MAX_DOMAINS,
            }));
        }
        let mfa_values: Vec<String> = match settings.mfa_values {
            Some(values) => values
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .take(MAX_MFA_VALUES)
                .map(|v| v.chars().take(100).collect())
                .collect(),
            None => DEFAULT_MFA_VALUES.map(String::from).to_vec(),
        };
        let secret = settings
            .client_secret
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if secret.as_ref().is_some_and(|s| s.chars().count() > 2000) {
            return Err(DeskError::Refused(Refusal::TooLong {
                field: Field::ClientId,
                max: 2000,
            }));
        }
        let earlier = {
            let mut conn = self.store.read().await?;
            accounts::organization_by_id(&mut conn, organization_id)
                .await?
                .ok_or(DeskError::NotFound(Thing::Organization))?;
            for domain in &domains {
                if let Some(other) = rows::organization_of_domain(&mut conn, domain).await?
                    && other != organization_id
                {
                    return Err(DeskError::Refused(Refusal::SsoDomainTaken {
                        domain: domain.clone(),
                    }));
                }
            }
            rows::provider(&mut conn, organization_id).await?
        };
        let client_secret = match (&secret, &earlier) {
            (Some(secret), _) => secret.clone(),
            (None, Some(earlier)) => earlier.client_secret.clone(),
            (None, None) => return Err(DeskError::Refused(Refusal::SsoSecretMissing)),
        };
        self.sso.relying_party.check(&issuer).await.map_err(|e| {
            DeskError::Refused(Refusal::SsoIssuer {
                detail: e.to_string(),
            })
        })?;
        let now = self.clock.now().as_second();
        let row = ProviderRow {
            shown: OrganizationSso {
                organization_id,
                issuer,
                client_id,
                client_secret_set: true,
                domains,
                provisioning: settings.provisioning,
                sso_only: settings.sso_only,
                mfa_values,
                verified_email_claim: settings.verified_email_claim,
                updated_at: now,
            },
            client_secret,
        };
        let mut tx = self.store.write().await?;
        rows::save_provider(&mut tx, &row).await.map_err(|e| {
            if e.is_unique_violation() {
                // Another admin saved the same domain for another organisation meanwhile.
                DeskError::Refused(Refusal::SsoDomainTaken {
                    domain: row.shown.domains.join(", "),
                })
            } else {
                e.into()
            }
        })?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "organization.sso",
            &format!("organization:{organization_id}"),
            &json!({
                "issuer": row.shown.issuer,
                "client_id": row.shown.client_id,
                "client_secret_changed": secret.is_some(),
                "domains": row.shown.domains,
                "provisioning": row.shown.provisioning,
                "sso_only": row.shown.sso_only,
                "mfa_values": row.shown.mfa_values,
                "verified_email_claim": row.shown.verified_email_claim,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(row.shown)
    }

    /// Removes an organisation's provider (admins), if it has one; its people sign in with
    /// passwords again.
    pub async fn remove_organization_sso(
        &self,
        actor: &Actor,
        organization_id: i64,
    ) -> Result<(), DeskError> {
        if !actor.is_admin() {
            return Err(DeskError::Refused(Refusal::AdminOnly));
        }
        let mut tx = self.store.write().await?;
        accounts::organization_by_id(&mut tx, organization_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        if !rows::delete_provider(&mut tx, organization_id).await? {
            return Ok(());
        }
        audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            "organization.sso_removed",
            &format!("organization:{organization_id}"),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The identity's address, if the provider verified it (or, where the claim is not
/// required, did not say otherwise).
fn verified_email(identity: &oidc::Identity, claim_required: bool) -> Result<String, DeskError> {
    let email = identity
        .email
        .as_deref()
        .ok_or(DeskError::Refused(Refusal::SsoNoEmail))?;
    let email = super::accounts::check_email(email)?;
    let verified = match identity.email_verified {
        Some(said) => said,
        None => !claim_required,
    };
    if !verified {
        return Err(DeskError::Refused(Refusal::SsoEmailUnverified));
    }
    Ok(email)
}

fn checked_text(field: Field, given: &str, max: usize) -> Result<String, DeskError> {
    let text = given.trim();
    if text.is_empty() {
        return Err(DeskError::Refused(Refusal::Empty { field }));
    }
    if text.chars().count() > max || text.contains(['\n', '\r']) {
        return Err(DeskError::Refused(Refusal::TooLong { field, max }));
    }
    Ok(text.to_string())
}

/// Creates the person a provider vouched for (just-in-time provisioning), in the audit trail.
async fn provision(
    tx: &mut crate::store::Conn,
    identity: &oidc::Identity,
    email: &str,
    role: Role,
    organization_id: Option<i64>,
    flow: &Flow,
    now: i64,
) -> Result<User, DeskError> {
    let name: String = identity
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(email)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let mut user = User {
        id: 0,
        email: email.to_string(),
        name,
        role,
        organization_id,
        language: if flow.language == "en" {
            Language::En
        } else {
            Language::Nl
        },
        created_at: now,
        disabled_at: None,
    };
    user.id = accounts::insert_user(tx, &user).await?;
    audit::record(
        tx,
        now,
        None,
        None,
        "user.provisioned",
        &format!("user:{}", user.id),
        &json!({"role": role, "organization_id": organization_id, "issuer": identity.issuer}),
    )
    .await?;
    Ok(user)
}
