//! What a check's outcome means for a component: down when all its monitors fail (confirmed),
//! up again when one answers; a production outage opens the 24/7 `saas_outage` ticket (S3),
//! mails the SaaS team and tells the webhooks and the status page's subscribers.

use crate::domain::availability::ComponentState;
use jiff::Timestamp;
use serde_json::json;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use super::super::creation::Creation;
use super::super::{Desk, DeskError};
use crate::domain::accounts::Role;
use crate::domain::attachments::FileState;
use crate::domain::tickets::Ticket;
use crate::store::accounts::{self};
use crate::store::availability::{self as store, Component, Monitor};
use crate::store::{audit, outbox};

impl Desk {
    /// What a finished check means: the monitor's streak, and if the component as a whole
    /// changed state, its outage (opened or closed), the S3 ticket and the SaaS team's mail.
    pub async fn record_check(
        &self,
        mut monitor: Monitor,
        failure: Option<String>,
        checked_at: Timestamp,
    ) -> Result<(), DeskError> {
        let policy = self.policies.base();
        let at = checked_at.as_second();
        match &failure {
            None => {
                monitor.consecutive_failures = 0;
                monitor.failing = false;
                monitor.failing_since = None;
            }
            Some(_) => {
                monitor.consecutive_failures += 1;
                monitor.failing_since.get_or_insert(at);
                monitor.failing =
                    monitor.consecutive_failures >= i64::from(policy.failures_to_confirm);
            }
        }
        monitor.last_checked_at = Some(at);
        monitor.last_error = failure;
        let mut tx = self.store.write().await?;
        store::lock_component(&mut tx, self.store.dialect, monitor.component_id).await?;
        store::record_check(&mut tx, &monitor, at + monitor.interval_seconds).await?;
        store::roll_up(&mut tx, monitor.id, at, monitor.last_error.is_some()).await?;
        let Some(component) = store::component_by_id(&mut tx, monitor.component_id).await? else {
            tx.commit().await?;
            return Ok(());
        };
        let monitors = store::monitors_of(&mut tx, component.id).await?;
        let all_failing = !monitors.is_empty() && monitors.iter().all(|m| m.failing);
        match (component.state, all_failing) {
            (ComponentState::Up, true)
                if store::change_component_state(
                    &mut tx,
                    component.id,
                    ComponentState::Up,
                    ComponentState::Down,
                )
                .await? =>
            {
                // Down since the moment the last of its monitors began failing.
                let since = monitors
                    .iter()
                    .filter_map(|m| m.failing_since)
                    .max()
                    .unwrap_or(at);
                let outage_id = store::open_outage(&mut tx, component.id, since).await?;
                audit::record(
                    &mut tx,
                    at,
                    None,
                    None,
                    "component.down",
                    &format!("component:{}", component.id),
                    &json!({"since": since}),
                )
                .await?;
                if component.production
                    && let Some(ticket_id) =
                        self.open_outage_ticket(&mut tx, &component, since).await?
                {
                    store::link_outage_ticket(&mut tx, outage_id, ticket_id).await?;
                }
                self.mail_saas_team(
                    &mut tx,
                    &format!("DOWN: {}", component.name),
                    &format!(
                        "{} is unavailable since {} (all monitors failing).\nLast error: {}\n",
                        component.name,
                        crate::notify::local_time(
                            Timestamp::from_second(since).unwrap_or(checked_at),
                            sladesk_core::text::Language::En
                        ),
                        monitor.last_error.as_deref().unwrap_or("-")
                    ),
                )
                .await?;
                self.tell_outside(&mut tx, &component, false, since).await?;
            }
            (ComponentState::Down, false)
                if store::change_component_state(
                    &mut tx,
                    component.id,
                    ComponentState::Down,
                    ComponentState::Up,
                )
                .await? =>
            {
                store::close_outage(&mut tx, component.id, at).await?;
                audit::record(
                    &mut tx,
                    at,
                    None,
                    None,
                    "component.up",
                    &format!("component:{}", component.id),
                    &json!({}),
                )
                .await?;
                self.mail_saas_team(
                    &mut tx,
                    &format!("RECOVERED: {}", component.name),
                    &format!("{} is available again.\n", component.name),
                )
                .await?;
                self.tell_outside(&mut tx, &component, true, at).await?;
            }
            _ => {}
        }
        tx.commit().await?;
        Ok(())
    }

    /// S3: a production outage opens a `saas_outage` ticket at once, without waiting for a
    /// customer. It is filed for the component's customer, or for the vendor's own
    /// "Platform" organisation when the component serves everyone.
    pub(in crate::desk) async fn open_outage_ticket(
        &self,
        conn: &mut crate::store::Conn,
        component: &Component,
        since: i64,
    ) -> Result<Option<i64>, DeskError> {
        let requester = match accounts::staff_with_role(conn, Role::SaasTeam)
            .await?
            .into_iter()
            .next()
        {
            Some(user) => user,
            None => match accounts::staff_with_role(conn, Role::Admin)
                .await?
                .into_iter()
                .next()
            {
                Some(user) => user,
                None => return Ok(None),
            },
        };
        let organization_id = match component.organization_id {
            Some(id) => id,
            None => self.platform_organization(conn).await?,
        };
        let now = self.clock.now();
        let (version, policy) = self.policy_for_new_ticket(conn, None).await?;
        let mut ticket = Ticket {
            id: 0,
            organization_id,
            requester_id: requester.id,
            ticket_type: TicketType::Incident,
            class: Priority::SaasOutage,
            priority: Priority::SaasOutage,
            triaged: true,
            environment: Environment::Production,
            product: component.name.clone(),
            subject: format!("{} is unavailable", component.name),
            description: format!(
                "Raised by monitoring: all monitors of {} failing since Unix time {since}.",
                component.name
            ),
            status: Status::New,
            line: 1,
            assignee_id: None,
            policy_version: version,
            created_at: now.as_second(),
            updated_at: now.as_second(),
            breached_at: None,
            next_check_at: None,
            due_at: None,
            confidential: false,
            outside_sla: false,
            outcome: Default::default(),
        };
        super::super::sla::derive(&policy, &mut ticket, &[], &[], now)?;
        // Inside this transaction (not the batch writer): the outage and its ticket commit together.
        let ids = super::super::creation::write_in(
            conn,
            &[&Creation {
                ticket,
                actor_id: None,
                token_id: None,
                urgency: None,
                files: Vec::new(),
                file_state: FileState::Available,
                receipt: None,
            }],
        )
        .await?;
        Ok(ids.first().copied())
    }

    pub(in crate::desk) async fn platform_organization(
        &self,
        conn: &mut crate::store::Conn,
    ) -> Result<i64, DeskError> {
        super::super::accounts::vendor_organization(
            conn,
            "Platform (vendor)",
            self.clock.now().as_second(),
        )
        .await
    }

    /// A component went down or recovered: webhooks, and the status page's subscribers for a
    /// platform component.
    pub(in crate::desk) async fn tell_outside(
        &self,
        conn: &mut crate::store::Conn,
        component: &Component,
        recovered: bool,
        at: i64,
    ) -> Result<(), DeskError> {
        let instant = Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH);
        let event = json!({
            "event": if recovered { "component.up" } else { "component.down" },
            "component": {"id": component.id, "name": component.name, "production": component.production},
            "at": instant.to_string(),
        });
        self.post_webhooks(conn, event).await?;
        if component.organization_id.is_none() {
            let status_url = format!("{}/status", self.public_url.trim_end_matches('/'));
            self.mail_subscribers(conn, |lang, unsubscribe| {
                crate::notify::incident(
                    &component.name,
                    recovered,
                    instant,
                    lang,
                    &status_url,
                    unsubscribe,
                )
            })
            .await?;
        }
        Ok(())
    }

    /// Mails the SaaS team, or the admins when the desk has no SaaS team yet, each in their
    /// own language: for what must reach someone who can act (a security report, backups
    /// past the recovery point).
    pub(in crate::desk) async fn mail_operators(
        &self,
        conn: &mut crate::store::Conn,
        ticket_id: Option<i64>,
        write: impl Fn(sladesk_core::text::Language) -> crate::notify::Mail,
    ) -> Result<(), DeskError> {
        let mut told = accounts::staff_with_role(conn, Role::SaasTeam).await?;
        if told.is_empty() {
            told = accounts::staff_with_role(conn, Role::Admin).await?;
        }
        let now = self.clock.now().as_second();
        for person in told.iter().filter(|p| p.disabled_at.is_none()) {
            let mail = write(person.language);
            outbox::enqueue(
                conn,
                &person.email,
                &mail.subject,
                &mail.body,
                ticket_id,
                now,
            )
            .await?;
        }
        Ok(())
    }

    pub(in crate::desk) async fn mail_saas_team(
        &self,
        conn: &mut crate::store::Conn,
        subject: &str,
        body: &str,
    ) -> Result<(), DeskError> {
        for person in accounts::staff_with_role(conn, Role::SaasTeam).await? {
            outbox::enqueue(
                conn,
                &person.email,
                subject,
                body,
                None,
                self.clock.now().as_second(),
            )
            .await?;
        }
        Ok(())
    }
}
