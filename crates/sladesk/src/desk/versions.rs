//! Versions of the vendor's SLA (G3): the history of the policy, publishing with notice,
//! the announcement to customers, notices of termination, and which version measures a
//! ticket.
//!
//! A ticket is measured by the version in force when it was filed (or the version its
//! contract holds to, G2), for all of its life: a support manager promises a customer the
//! targets that applied when the customer asked for help, and a dispute months later is
//! judged by those same rules. A new version governs the tickets filed from its moment on.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use sladesk_core::policy::{KeyChange, Policy};

use super::tickets::text;
use super::{Actor, Desk, DeskError};
use crate::desk::{Field, Refusal, Thing};
use crate::domain::accounts::{Organization, Role};
use crate::domain::policies::{PolicyVersion, TerminationNotice};
use crate::domain::tickets::Ticket;
use crate::notify;
use crate::store::policies as store;
use crate::store::{Conn, audit, outbox, preferences};

/// The moment the built-in basis SLA took effect: 2026-03-01 00:00 Dutch time.
const BASIS_EFFECTIVE_AT: i64 = 1_772_319_600;
/// The most characters of a summary or a termination note.
const MAX_TEXT: usize = 5_000;

/// A new version of the vendor's SLA, as an admin publishes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicyVersion {
    /// The whole policy as TOML (keys it leaves out keep the built-in values); its `version`
    /// key names the version.
    pub policy: String,
    /// What changed, in English and in Dutch.
    pub summary_en: String,
    pub summary_nl: String,
    /// From when tickets filed are measured by it.
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// A material change needs `versions.notice_days` of notice and gives customers the right
    /// to terminate (G3).
    pub material: bool,
}

/// The calendar date (UTC) of a moment, for refusals and mails.
fn date_of(second: i64) -> String {
    Timestamp::from_second(second)
        .map(|t| t.to_string()[..10].to_string())
        .unwrap_or_default()
}

impl Desk {
    /// Stores the built-in policy (with the server's policy file over it) as the first
    /// version, once; a replica that loses the race finds it stored.
    pub async fn ensure_first_version(&self) -> Result<(), DeskError> {
        let mut tx = self.store.write().await?;
        if !store::versions(&mut tx).await?.is_empty() {
            return Ok(());
        }
        let base = self.policies.base();
        let first = PolicyVersion {
            version: base.version.clone(),
            policy: base.to_toml(),
            summary_en: "The basis SLA as sladesk ships it.".into(),
            summary_nl: "De basis-SLA zoals sladesk die levert.".into(),
            effective_at: BASIS_EFFECTIVE_AT,
            material: false,
            published_by: None,
            published_at: self.clock.now().as_second(),
        };
        match store::insert_version(&mut tx, &first).await {
            Ok(()) => tx.commit().await?,
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The version in force at `at` (the first one for a moment before it).
    pub(crate) async fn version_in_force(
        &self,
        conn: &mut Conn,
        at: i64,
    ) -> Result<PolicyVersion, DeskError> {
        match store::version_in_force(conn, at).await? {
            Some(version) => Ok(version),
            None => Err(DeskError::Fault("no SLA version is stored".into())),
        }
    }

    /// The version and policy a new ticket of `org` is measured by: the version its contract
    /// holds to, else the one in force now; with the contract's own policy over it.
    pub(crate) async fn policy_for_new_ticket(
        &self,
        conn: &mut Conn,
        org: Option<&Organization>,
    ) -> Result<(String, Arc<Policy>), DeskError> {
        let pinned = match org.and_then(|o| o.policy_version.as_deref()) {
            Some(id) => store::version_by_id(conn, id).await?,
            None => None,
        };
        let version = match pinned {
            Some(version) => version,
            None => {
                self.version_in_force(conn, self.clock.now().as_second())
                    .await?
            }
        };
        let contract = org.and_then(|o| o.policy.as_deref());
        let policy = self.policies.for_version(&version, contract)?;
        Ok((version.version, policy))
    }

    /// The policy a ticket is measured by: the version it was filed under, with its
    /// contract's own policy over it. A ticket from before versions were kept (its version
    /// not stored) keeps the built-in policy.
    pub(crate) async fn policy_of_ticket(
        &self,
        conn: &mut Conn,
        ticket: &Ticket,
        contract: Option<&str>,
    ) -> Result<Arc<Policy>, DeskError> {
        if let Some(policy) = self.policies.cached(&ticket.policy_version, contract) {
            return Ok(policy);
        }
        match store::version_by_id(conn, &ticket.policy_version).await? {
            Some(version) => Ok(self.policies.for_version(&version, contract)?),
            None => Ok(self.policies.for_contract(contract)?),
        }
    }

    /// Every version, the earliest first; for anyone signed in (customers read the SLA too:
    /// the doors only let signed-in people ask).
    pub async fn policy_versions(&self, _actor: &Actor) -> Result<Vec<PolicyVersion>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(store::versions(&mut conn).await?)
    }

    pub async fn policy_version(
        &self,
        _actor: &Actor,
        id: &str,
    ) -> Result<PolicyVersion, DeskError> {
        let mut conn = self.store.read().await?;
        store::version_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::PolicyVersion))
    }

    /// The id of the version in force now.
    pub async fn version_in_force_now(&self) -> Result<PolicyVersion, DeskError> {
        let mut conn = self.store.read().await?;
        self.version_in_force(&mut conn, self.clock.now().as_second())
            .await
    }

    /// Key by key, what `id` changed against `against` (default: the version before it).
    pub async fn policy_diff(
        &self,
        actor: &Actor,
        id: &str,
        against: Option<&str>,
    ) -> Result<(String, Vec<KeyChange>), DeskError> {
        let versions = self.policy_versions(actor).await?;
        let at = versions
            .iter()
            .position(|v| v.version == id)
            .ok_or(DeskError::NotFound(Thing::PolicyVersion))?;
        let other = match against {
            Some(other) => versions
                .iter()
                .find(|v| v.version == other)
                .ok_or(DeskError::NotFound(Thing::PolicyVersion))?,
            None => &versions[at.saturating_sub(1)],
        };
        let new = self.policies.for_version(&versions[at], None)?;
        let old = self.policies.for_version(other, None)?;
        Ok((
            other.version.clone(),
            sladesk_core::policy::diff(&old, &new),
        ))
    }

    /// When customers may no longer terminate because of `version` (None: not material).
    pub async fn termination_closes_at(
        &self,
        version: &PolicyVersion,
    ) -> Result<Option<i64>, DeskError> {
        if !version.material {
            return Ok(None);
        }
        let mut conn = self.store.read().await?;
        self.closes_at(&mut conn, version).await.map(Some)
    }

    async fn closes_at(&self, conn: &mut Conn, version: &PolicyVersion) -> Result<i64, DeskError> {
        // The right to terminate is the one the SLA in force at the announcement gave.
        let then = self.version_in_force(conn, version.published_at).await?;
        let rules = self.policies.for_version(&then, None)?.versions;
        Ok(version.published_at + i64::from(rules.termination_window_days) * 86_400)
    }

    /// G3: publishes a new version. A material change takes effect `versions.notice_days`
    /// after publishing at the earliest; every customer who wants contract mail hears of it.
    pub async fn publish_policy(
        &self,
        actor: &Actor,
        new: NewPolicyVersion,
    ) -> Result<PolicyVersion, DeskError> {
        if !actor.is_admin() {
            return Err(Refusal::AdminOnly.into());
        }
        let summary_en = text(Field::Summary, &new.summary_en, MAX_TEXT)?;
        let summary_nl = text(Field::Summary, &new.summary_nl, MAX_TEXT)?;
        let parsed = Policy::with_overlays(&[&new.policy])?;
        check_version_name(&parsed.version)?;
        let now = self.clock.now().as_second();
        let effective_at = new.effective_at.as_second();
        if effective_at < now {
            return Err(Refusal::EffectiveInThePast.into());
        }
        let mut tx = self.store.write().await?;
        if store::version_by_id(&mut tx, &parsed.version)
            .await?
            .is_some()
        {
            return Err(Refusal::VersionExists {
                version: parsed.version.clone(),
            }
            .into());
        }
        let current = self.version_in_force(&mut tx, now).await?;
        let rules = self.policies.for_version(&current, None)?.versions;
        let earliest = now + i64::from(rules.notice_days) * 86_400;
        if new.material && effective_at < earliest {
            return Err(Refusal::NoticeTooShort {
                days: rules.notice_days.into(),
                earliest: date_of(earliest + 86_399),
            }
            .into());
        }
        let version = PolicyVersion {
            version: parsed.version.clone(),
            policy: parsed.to_toml(),
            summary_en,
            summary_nl,
            effective_at,
            material: new.material,
            published_by: actor.id(),
            published_at: now,
        };
        if let Err(e) = store::insert_version(&mut tx, &version).await {
            return Err(match e.is_unique_violation() {
                true => Refusal::EffectiveMomentTaken.into(),
                false => e.into(),
            });
        }
        let closes_at = new
            .material
            .then(|| now + i64::from(rules.termination_window_days) * 86_400);
        let recipients = preferences::contract_mail_recipients(&mut tx).await?;
        for person in &recipients {
            let mail =
                notify::policy_announced(&version, closes_at, person.language, &self.public_url);
            outbox::enqueue(&mut tx, &person.email, &mail.subject, &mail.body, None, now).await?;
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "policy.publish",
            &format!("policy:{}", version.version),
            &json!({"effective_at": effective_at, "material": version.material,
                    "announced_to": recipients.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// G3: a customer records that its organisation terminates because of a material change,
    /// within the window; the desk records it, the vendor decides.
    pub async fn give_termination_notice(
        &self,
        actor: &Actor,
        id: &str,
        note: Option<&str>,
    ) -> Result<TerminationNotice, DeskError> {
        let (Some(user), Some(organization_id)) = (&actor.user, actor.own_organization()) else {
            return Err(Refusal::CustomersOnly.into());
        };
        if user.role != Role::Customer {
            return Err(Refusal::CustomersOnly.into());
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_TEXT) {
            return Err(Refusal::TooLong {
                field: Field::Reason,
                max: MAX_TEXT,
            }
            .into());
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let version = store::version_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::PolicyVersion))?;
        if !version.material {
            return Err(Refusal::NotMaterial.into());
        }
        let closes_at = self.closes_at(&mut tx, &version).await?;
        if now > closes_at {
            return Err(Refusal::TerminationWindowClosed {
                closed_on: date_of(closes_at),
            }
            .into());
        }
        let mut notice = TerminationNotice {
            id: 0,
            organization_id,
            version: version.version.clone(),
            user_id: user.id,
            note: note.map(String::from),
            at: now,
        };
        notice.id = match store::insert_termination(&mut tx, &notice).await {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(Refusal::TerminationRecorded.into());
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "policy.terminate",
            &format!("organization:{organization_id}"),
            &json!({"version": notice.version}),
        )
        .await?;
        tx.commit().await?;
        Ok(notice)
    }

    /// The termination notices given because of `id`: all of them for staff, a customer's
    /// own organisation's for a customer.
    pub async fn termination_notices(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<TerminationNotice>, DeskError> {
        let mut conn = self.store.read().await?;
        store::version_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::PolicyVersion))?;
        Ok(store::terminations(&mut conn, id, actor.own_organization()).await?)
    }
}

/// A version's name goes into addresses (`/policies/<version>`, `/releases/<version>`): 1 to
/// 100 letters, digits, `.`, `_` or `-`.
pub(super) fn check_version_name(name: &str) -> Result<(), DeskError> {
    let ok = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Refusal::VersionName { given: name.into() }.into())
    }
}
