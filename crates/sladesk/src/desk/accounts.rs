//! Organisations, people and API tokens.

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sladesk_core::text::Language;

use super::{Actor, Desk, DeskError};
use crate::desk::{Field, Refusal};
use crate::domain::accounts::{Organization, Role, Tier, User};
use crate::store::accounts::{self};
use crate::store::{Conn, audit};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub name: String,
    pub tier: Tier,
    #[serde(default)]
    pub products: Vec<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
    /// The contract's own SLA policy (TOML laid over the version it holds to).
    pub policy: Option<String>,
    /// The version of the vendor's SLA the contract holds to (G2); absent: the version in
    /// force when each ticket is filed.
    #[serde(default)]
    pub policy_version: Option<String>,
    /// The contract's fee and guarantees (G2, S5); absent: service levels only.
    #[serde(default)]
    pub terms: Option<sladesk_core::credits::ContractTerms>,
    /// F1: the size class the contract records (by licensed users or connectors), which with
    /// the tier makes the cohort of comparable customers.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 40)]
    pub size_class: Option<String>,
}

/// Changes to an organisation's contract; absent fields stay as they are, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub tier: Option<Tier>,
    pub products: Option<Vec<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Option<Date>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Option<Date>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub policy: Option<Option<String>>,
    /// The version of the vendor's SLA the contract holds to; `null`: the version in force.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub policy_version: Option<Option<String>>,
    /// The contract's fee and guarantees; `null`: service levels only.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<sladesk_core::credits::ContractTerms>)]
    pub terms: Option<Option<sladesk_core::credits::ContractTerms>>,
    /// F1: the contract's size class; `null`: none (compared with the others without one).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 40)]
    pub size_class: Option<Option<String>>,
}

/// `absent` → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    #[serde(default = "dutch")]
    pub language: Language,
}

fn dutch() -> Language {
    Language::Nl
}

fn require_admin(actor: &Actor) -> Result<(), DeskError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(DeskError::Refused(Refusal::AdminOnly))
    }
}

/// Terms that hold (amounts not negative, shares in range), or the reason they do not.
fn check_terms(
    terms: Option<sladesk_core::credits::ContractTerms>,
) -> Result<Option<sladesk_core::credits::ContractTerms>, DeskError> {
    if let Some(terms) = &terms {
        terms.check().map_err(Refusal::Terms)?;
    }
    Ok(terms)
}

/// The version a contract is to hold to: one that is stored, or none.
async fn held_version(conn: &mut Conn, given: Option<String>) -> Result<Option<String>, DeskError> {
    let Some(id) = given
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    match crate::store::policies::version_by_id(conn, &id).await? {
        Some(version) => Ok(Some(version.version)),
        None => Err(Refusal::UnknownPolicyVersion { given: id }.into()),
    }
}

fn check_name(given: &str) -> Result<String, DeskError> {
    let name = given.trim();
    if name.is_empty() || given.chars().count() > 200 {
        return Err(DeskError::Refused(Refusal::Length {
            field: Field::Name,
            min: 1,
            max: 200,
        }));
    }
    super::tickets::one_line(Field::Name, name.to_string())
}

/// F1: a size class is a short label on one line (`s`, `m`, `l`, `1-50 users`).
fn check_size_class(given: Option<String>) -> Result<Option<String>, DeskError> {
    let Some(given) = given else { return Ok(None) };
    let class = given.trim();
    if class.is_empty() || given.chars().count() > 40 {
        return Err(DeskError::Refused(Refusal::Length {
            field: Field::SizeClass,
            min: 1,
            max: 40,
        }));
    }
    super::tickets::one_line(Field::SizeClass, class.to_string()).map(Some)
}

/// The products a contract covers: each a name on one line, each once.
fn check_products(products: Vec<String>) -> Result<Vec<String>, DeskError> {
    let mut checked: Vec<String> = Vec::with_capacity(products.len());
    for given in products {
        let product = given.trim();
        if product.is_empty() || given.chars().count() > 200 {
            return Err(DeskError::Refused(Refusal::Length {
                field: Field::Product,
                min: 1,
                max: 200,
            }));
        }
        let product = super::tickets::one_line(Field::Product, product.to_string())?;
        if !checked.iter().any(|p| p.eq_ignore_ascii_case(&product)) {
            checked.push(product);
        }
    }
    Ok(checked)
}

fn check_dates(from: Option<Date>, until: Option<Date>) -> Result<(), DeskError> {
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        return Err(DeskError::Refused(Refusal::ValidityReversed {
            from: from.to_string(),
            until: until.to_string(),
        }));
    }
    Ok(())
}

/// A normalised email address: trimmed, lower case, one `@` with text on both sides.
pub fn check_email(email: &str) -> Result<String, DeskError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split('@').count() == 2
        && email.split('@').all(|part| !part.is_empty())
        && email
            .rsplit('@')
            .next()
            .is_some_and(|domain| domain.contains('.') || domain == "localhost")
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',');
    if valid {
        Ok(email)
    } else {
        Err(DeskError::Refused(Refusal::NotAnEmail {
            given: email.to_string(),
        }))
    }
}

impl Desk {
    pub async fn create_organization(
        &self,
        actor: &Actor,
        new: NewOrganization,
    ) -> Result<Organization, DeskError> {
        require_admin(actor)?;
        check_dates(new.valid_from, new.valid_until)?;
        if let Some(policy) = &new.policy {
            self.policies.for_contract(Some(policy))?;
        }
        let now = self.clock.now().as_second();
        let mut org = Organization {
            id: 0,
            name: check_name(&new.name)?,
            tier: new.tier,
            products: check_products(new.products)?,
            valid_from: new.valid_from,
            valid_until: new.valid_until,
            policy: new.policy.filter(|p| !p.trim().is_empty()),
            policy_version: None,
            terms: check_terms(new.terms)?,
            size_class: check_size_class(new.size_class)?,
            created_at: now,
        };
        let mut tx = self.store.write().await?;
        org.policy_version = held_version(&mut tx, new.policy_version).await?;
        org.id = accounts::insert_organization(&mut tx, &org).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "organization.create",
            &format!("organization:{}", org.id),
            &json!({"name": org.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: i64,
        patch: OrganizationPatch,
    ) -> Result<Organization, DeskError> {
        require_admin(actor)?;
        let mut tx = self.store.write().await?;
        let mut org = accounts::organization_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Organization))?;
        if let Some(name) = &patch.name {
            org.name = check_name(name)?;
        }
        if let Some(tier) = patch.tier {
            org.tier = tier;
        }
        if let Some(products) = patch.products.clone() {
            org.products = check_products(products)?;
        }
        if let Some(from) = patch.valid_from {
            org.valid_from = from;
        }
        if let Some(until) = patch.valid_until {
            org.valid_until = until;
        }
        if let Some(policy) = patch.policy.clone() {
            let policy = policy.filter(|p| !p.trim().is_empty());
            if let Some(text) = &policy {
                self.policies.for_contract(Some(text))?;
            }
            org.policy = policy;
        }
        if let Some(terms) = patch.terms.clone() {
            org.terms = check_terms(terms)?;
        }
        if let Some(size_class) = patch.size_class.clone() {
            org.size_class = check_size_class(size_class)?;
        }
        if let Some(version) = patch.policy_version.clone() {
            org.policy_version = held_version(&mut tx, version).await?;
        }
        check_dates(org.valid_from, org.valid_until)?;
        let now = self.clock.now().as_second();
        accounts::update_organization(&mut tx, &org, now).await?;
        let changed: Vec<&str> = [
            ("name", patch.name.is_some()),
            ("tier", patch.tier.is_some()),
            ("products", patch.products.is_some()),
            ("valid_from", patch.valid_from.is_some()),
            ("valid_until", patch.valid_until.is_some()),
            ("policy", patch.policy.is_some()),
            ("policy_version", patch.policy_version.is_some()),
            ("terms", patch.terms.is_some()),
            ("size_class", patch.size_class.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, set)| set.then_some(field))
        .collect();
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "organization.update",
            &format!("organization:{id}"),
            &json!({"changed": changed}),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn organization(&self, actor: &Actor, id: i64) -> Result<Organization, DeskError> {
        if !actor.sees_organization(id) {
            return Err(DeskError::NotFound(crate::desk::Thing::Organization));
        }
        let mut conn = self.store.read().await?;
        accounts::organization_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Organization))
    }

    pub async fn organizations(
        &self,
        actor: &Actor,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Organization>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(accounts::list_organizations(&mut conn, actor.own_organization(), after, limit).await?)
    }

    /// The audit trail, newest first (admins only).
    pub async fn audit(
        &self,
        actor: &Actor,
        before: i64,
        limit: i64,
    ) -> Result<Vec<audit::AuditEntry>, DeskError> {
        require_admin(actor)?;
        let mut conn = self.store.read().await?;
        Ok(audit::list(&mut conn, before, limit).await?)
    }

    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, DeskError> {
        require_admin(actor)?;
        let mut tx = self.store.write().await?;
        let user = create_user_in(&mut tx, actor, new, self.clock.now().as_second()).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, actor: &Actor, id: i64) -> Result<User, DeskError> {
        let mut conn = self.store.read().await?;
        let user = accounts::user_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::User))?;
        match actor.own_organization() {
            Some(own) if user.organization_id != Some(own) => {
                Err(DeskError::NotFound(crate::desk::Thing::User))
            }
            _ => Ok(user),
        }
    }

    pub async fn users(
        &self,
        actor: &Actor,
        organization: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<User>, DeskError> {
        let organization = match actor.own_organization() {
            Some(own) => Some(own),
            None => organization,
        };
        let mut conn = self.store.read().await?;
        Ok(accounts::list_users(&mut conn, organization, after, limit).await?)
    }
}

/// Creates a person inside a transaction; refuses a duplicate email and a customer without an
/// existing organisation.
pub(crate) async fn create_user_in(
    conn: &mut Conn,
    actor: &Actor,
    new: NewUser,
    now: i64,
) -> Result<User, DeskError> {
    let email = check_email(&new.email)?;
    match (new.role, new.organization_id) {
        (Role::Customer, None) => {
            return Err(DeskError::Refused(Refusal::CustomerNeedsOrganization));
        }
        (Role::Customer, Some(id)) => {
            accounts::organization_by_id(conn, id)
                .await?
                .ok_or_else(|| DeskError::Refused(Refusal::UnknownOrganization { id }))?;
        }
        (_, Some(_)) => {
            return Err(DeskError::Refused(Refusal::StaffWithoutOrganization));
        }
        (_, None) => {}
    }
    if accounts::user_by_email(conn, &email).await?.is_some() {
        return Err(DeskError::Refused(Refusal::EmailTaken {
            email: email.to_string(),
        }));
    }
    let mut user = User {
        id: 0,
        email,
        name: new.name.trim().chars().take(200).collect(),
        role: new.role,
        organization_id: new.organization_id,
        language: new.language,
        created_at: now,
        disabled_at: None,
    };
    user.id = accounts::insert_user(conn, &user).await?;
    audit::record(
        conn,
        now,
        actor.id(),
        actor.token_id,
        "user.create",
        &format!("user:{}", user.id),
        &json!({"email": user.email, "role": user.role}),
    )
    .await?;
    Ok(user)
}

impl Desk {
    /// Deactivates or reactivates a person (admins only). Deactivating ends their sessions;
    /// their tokens stop working within the token cache's lifetime (10 seconds).
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        id: i64,
        active: bool,
    ) -> Result<User, DeskError> {
        require_admin(actor)?;
        if actor.id() == Some(id) && !active {
            return Err(DeskError::Refused(Refusal::CannotDeactivateSelf));
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        if !accounts::set_disabled(&mut tx, id, (!active).then_some(now)).await? {
            return Err(DeskError::NotFound(crate::desk::Thing::User));
        }
        if !active {
            crate::store::sessions::delete_sessions_of(&mut tx, id).await?;
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            if active {
                "user.reactivate"
            } else {
                "user.deactivate"
            },
            &format!("user:{id}"),
            &json!({}),
        )
        .await?;
        let user = accounts::user_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::User))?;
        tx.commit().await?;
        Ok(user)
    }

    /// API tokens, newest first (admins only).
    pub async fn tokens(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<accounts::TokenInfo>, DeskError> {
        require_admin(actor)?;
        let mut conn = self.store.read().await?;
        Ok(accounts::list_tokens(&mut conn, limit).await?)
    }

    /// Revokes an API token (admins only). Replicas stop accepting it within the token
    /// cache's lifetime (10 seconds).
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), DeskError> {
        require_admin(actor)?;
        let mut tx = self.store.write().await?;
        let now = self.clock.now().as_second();
        if !accounts::revoke_token(&mut tx, id, now).await? {
            return Err(DeskError::NotFound(crate::desk::Thing::Token));
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "token.revoke",
            &format!("token:{id}"),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The stored form of an API token: its SHA-256. Tokens are 256 random bits, so a plain
/// (unsalted, fast) hash is enough; a password hash would only slow every request down.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates the user if needed and a new API token for them; returns the token (shown once).
pub async fn issue_token(
    desk: &Desk,
    email: &str,
    role: Role,
    organization_id: Option<i64>,
    language: Language,
) -> Result<String, DeskError> {
    let token = format!("sld_{}", crate::secrets::hex::<32>()?);
    let actor = Actor::system();
    let mut tx = desk.store.write().await?;
    let email = check_email(email)?;
    let user = match accounts::user_by_email(&mut tx, &email).await? {
        Some(user) if user.role != role || user.organization_id != organization_id => {
            return Err(DeskError::Refused(Refusal::EmailTakenOtherwise {
                email: email.to_string(),
            }));
        }
        Some(user) => user,
        None => {
            let new = NewUser {
                email,
                name: String::new(),
                role,
                organization_id,
                language,
            };
            create_user_in(&mut tx, &actor, new, desk.clock.now().as_second()).await?
        }
    };
    let now = desk.clock.now().as_second();
    let token_id =
        accounts::insert_token(&mut tx, user.id, &token_hash(&token), "cli", now).await?;
    audit::record(
        &mut tx,
        now,
        None,
        None,
        "token.create",
        &format!("user:{}", user.id),
        &json!({"token_id": token_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// One of the vendor's own organisations (for platform outages, vulnerability reports), by
/// name, made on first use with a plain support contract.
pub(crate) async fn vendor_organization(
    conn: &mut Conn,
    name: &str,
    now: i64,
) -> Result<i64, DeskError> {
    if let Some(id) = accounts::organization_named(conn, name).await? {
        return Ok(id);
    }
    let org = Organization {
        id: 0,
        name: name.into(),
        tier: Tier::Support,
        products: vec![],
        valid_from: None,
        valid_until: None,
        policy: None,
        created_at: now,
        policy_version: None,
        terms: None,
        size_class: None,
    };
    Ok(accounts::insert_organization(conn, &org).await?)
}
