//! Telling the outside world: status page subscriptions (double opt-in), announcements to
//! subscribers in their language, outgoing webhooks, and resource readings with thresholds.

use serde::Deserialize;
use serde_json::json;
use sladesk_core::text::Language;

use super::{Actor, Desk, DeskError};
use crate::desk::Refusal;
use crate::domain::accounts::Role;
use crate::notify::{self, Mail};
use crate::store::accounts::{self, parse_word, word};
use crate::store::availability as components;
use crate::store::notifications::{self as store, MailingList};
use crate::store::{Conn, audit, outbox};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readings {
    pub cpu_percent: Option<f64>,
    pub disk_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    pub network_percent: Option<f64>,
}

/// The query parameter that names a list other than the status page's in its links.
fn list_param(list: MailingList) -> &'static str {
    match list {
        MailingList::Status => "",
        MailingList::Releases => "&list=releases",
    }
}

impl Desk {
    /// The link that ends a subscription to `list`.
    pub(crate) fn unsubscribe_link(&self, list: MailingList, token: &str) -> String {
        format!(
            "{}/status/unsubscribe?token={token}{}",
            self.public_url.trim_end_matches('/'),
            list_param(list)
        )
    }

    /// A5, R4: asks for status mails or the release newsletter. The confirmation link is
    /// mailed; nothing else happens until it is followed. The answer is the same whether or
    /// not the address was known.
    pub async fn subscribe(
        &self,
        list: MailingList,
        email: &str,
        language: Language,
    ) -> Result<(), DeskError> {
        let email = super::accounts::check_email(email)?;
        let token = crate::secrets::hex::<24>()?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let subscription =
            store::subscribe(&mut tx, list, &email, &word(&language), &token, now).await?;
        // At most one confirmation mail an hour per address, however often the form is sent.
        if let Some(token) =
            store::claim_confirmation(&mut tx, list, subscription.id, &token, now).await?
        {
            let url = format!(
                "{}/status/confirm?token={token}{}",
                self.public_url.trim_end_matches('/'),
                list_param(list)
            );
            let mail = notify::confirm_subscription(list, &url, language);
            outbox::enqueue(&mut tx, &email, &mail.subject, &mail.body, None, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Confirms a subscription; returns the subscriber's language.
    pub async fn confirm_subscription(
        &self,
        list: MailingList,
        token: &str,
    ) -> Result<Language, DeskError> {
        let mut tx = self.store.write().await?;
        let found = store::confirm(&mut tx, list, token, self.clock.now().as_second()).await?;
        tx.commit().await?;
        let found = found.ok_or(DeskError::NotFound(crate::desk::Thing::Subscription))?;
        Ok(parse_word(&found.language).unwrap_or(Language::Nl))
    }

    /// Ends a subscription; returns the subscriber's language.
    pub async fn unsubscribe(&self, list: MailingList, token: &str) -> Result<Language, DeskError> {
        let mut tx = self.store.write().await?;
        let found = store::unsubscribe(&mut tx, list, token).await?;
        tx.commit().await?;
        let language = found.ok_or(DeskError::NotFound(crate::desk::Thing::Subscription))?;
        Ok(parse_word(&language).unwrap_or(Language::Nl))
    }

    /// Queues `write`'s mail to every confirmed subscriber of the status mails, in their
    /// language.
    pub(crate) async fn mail_subscribers(
        &self,
        conn: &mut Conn,
        write: impl Fn(Language, &str) -> Mail,
    ) -> Result<(), DeskError> {
        let now = self.clock.now().as_second();
        for subscription in store::confirmed_subscriptions(conn, MailingList::Status).await? {
            let language: Language = parse_word(&subscription.language).unwrap_or(Language::Nl);
            let unsubscribe = self.unsubscribe_link(MailingList::Status, &subscription.token);
            let mail = write(language, &unsubscribe);
            outbox::enqueue(
                conn,
                &subscription.email,
                &mail.subject,
                &mail.body,
                None,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Queues `event` as JSON to every configured webhook.
    pub(crate) async fn post_webhooks(
        &self,
        conn: &mut Conn,
        event: serde_json::Value,
    ) -> Result<(), DeskError> {
        let now = self.clock.now().as_second();
        for url in self.webhooks.iter() {
            store::enqueue_webhook(conn, url, &event.to_string(), now).await?;
        }
        Ok(())
    }

    /// A4: resource readings pushed by an agent; a value at or over the policy's threshold
    /// warns the SaaS team once, until it drops below again.
    pub async fn record_readings(
        &self,
        actor: &Actor,
        component_id: i64,
        readings: Readings,
    ) -> Result<Vec<String>, DeskError> {
        if !matches!(actor.role(), None | Some(Role::Admin | Role::SaasTeam)) {
            return Err(DeskError::Refused(Refusal::OperatorsPushReadings));
        }
        let policy = self.policies.base();
        let values = [
            (
                "cpu",
                readings.cpu_percent,
                policy.resource_thresholds.cpu_percent,
            ),
            (
                "disk",
                readings.disk_percent,
                policy.resource_thresholds.disk_percent,
            ),
            (
                "memory",
                readings.memory_percent,
                policy.resource_thresholds.memory_percent,
            ),
            (
                "network",
                readings.network_percent,
                policy.resource_thresholds.network_percent,
            ),
        ];
        if values.iter().all(|(_, v, _)| v.is_none()) {
            return Err(DeskError::Refused(Refusal::ReadingNeedsValue));
        }
        if values
            .iter()
            .any(|(_, v, _)| v.is_some_and(|v| !(0.0..=100.0).contains(&v) || v.is_nan()))
        {
            return Err(DeskError::Refused(Refusal::ReadingRange));
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let component = components::component_by_id(&mut tx, component_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Component))?;
        let mut warnings = Vec::new();
        for (resource, value, threshold) in values {
            let Some(value) = value else { continue };
            let warning = value >= threshold;
            let was =
                store::record_reading(&mut tx, component_id, resource, value, now, warning).await?;
            if warning {
                warnings.push(format!(
                    "{resource} at {value:.1} % (threshold {threshold:.0} %)"
                ));
            }
            if warning && !was {
                let subject = format!("WARNING: {} {resource} at {value:.1} %", component.name);
                let body = format!(
                    "{} reports {resource} at {value:.1} %, at or over the threshold of {threshold:.0} %.\n",
                    component.name
                );
                for person in accounts::staff_with_role(&mut tx, Role::SaasTeam).await? {
                    outbox::enqueue(&mut tx, &person.email, &subject, &body, None, now).await?;
                }
                audit::record(
                    &mut tx,
                    now,
                    actor.id(),
                    actor.token_id,
                    "resource.warning",
                    &format!("component:{component_id}"),
                    &json!({"resource": resource, "value": value}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(warnings)
    }
}
