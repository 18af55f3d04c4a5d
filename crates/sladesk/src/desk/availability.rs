//! Availability operations: components and monitors, maintenance windows (M1, M2), exclusions
//! recorded by staff (A3), what a check's outcome means for a component (outages, the 24/7
//! `saas_outage` ticket of S3), and the monthly report (A1).

use crate::domain::availability::ComponentState;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use sladesk_core::availability::{
    Exclusion, ExclusionCategory, MonthInput, MonthReport, Span, compute_month, month_bounds,
};
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use super::creation::Creation;
use super::{Actor, Desk, DeskError};
use crate::domain::accounts::Role;
use crate::domain::tickets::Ticket;
use crate::store::accounts::{self};
use crate::store::availability::{
    self as store, Component, ExclusionRow, MaintenanceWindow, Monitor,
};
use crate::store::{audit, outbox};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComponent {
    pub name: String,
    /// Outages of a production component open a 24/7 `saas_outage` ticket.
    #[serde(default)]
    pub production: bool,
    /// The customer whose instance this is, if any.
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMonitor {
    /// `http` (a URL), `tcp` (`host:port`) or `heartbeat` (an outside agent calls
    /// `POST /api/v1/heartbeats/{token}` at least every `interval_seconds`; sladesk makes the token).
    pub kind: String,
    #[serde(default)]
    pub target: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default = "ok")]
    pub expected_status: i64,
    pub body_contains: Option<String>,
    #[serde(default = "five_seconds")]
    pub timeout_ms: i64,
    #[serde(default = "a_minute")]
    pub interval_seconds: i64,
}

fn get() -> String {
    "GET".into()
}
fn ok() -> i64 {
    200
}
fn five_seconds() -> i64 {
    5_000
}
fn a_minute() -> i64 {
    60
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    pub component_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// Emergency maintenance (M2, e.g. a critical vulnerability) may start at once.
    #[serde(default)]
    pub emergency: bool,
    /// The work to be done, and its impact on the service.
    pub work: String,
    pub impact: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExclusion {
    pub component_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    pub category: ExclusionCategory,
    pub reason: String,
}

fn require_operator(actor: &Actor) -> Result<(), DeskError> {
    match actor.role() {
        None | Some(Role::Admin) | Some(Role::SaasTeam) => Ok(()),
        _ => Err(DeskError::Forbidden(
            "only the SaaS team or an admin may do this".into(),
        )),
    }
}

fn require_staff(actor: &Actor) -> Result<(), DeskError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(DeskError::Forbidden("for the service desk only".into()))
    }
}

impl Desk {
    pub async fn create_component(
        &self,
        actor: &Actor,
        new: NewComponent,
    ) -> Result<Component, DeskError> {
        require_operator(actor)?;
        let name = new.name.trim();
        if name.is_empty() || new.name.chars().count() > 200 {
            return Err(DeskError::Invalid(
                "name must be 1 to 200 characters".into(),
            ));
        }
        let mut tx = self.store.write().await?;
        if let Some(org) = new.organization_id
            && accounts::organization_by_id(&mut tx, org).await?.is_none()
        {
            return Err(DeskError::Invalid(format!(
                "organization {org} does not exist"
            )));
        }
        let now = self.clock.now().as_second();
        let mut component = Component {
            id: 0,
            name: name.into(),
            production: new.production,
            organization_id: new.organization_id,
            state: ComponentState::Up,
            created_at: now,
        };
        component.id = store::insert_component(&mut tx, &component).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "component.create",
            &format!("component:{}", component.id),
            &json!({"name": component.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(component)
    }

    pub async fn components(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Component, Vec<Monitor>)>, DeskError> {
        require_staff(actor)?;
        let mut conn = self.store.read().await?;
        let mut result = Vec::new();
        for component in store::list_components(&mut conn).await? {
            let monitors = store::monitors_of(&mut conn, component.id).await?;
            result.push((component, monitors));
        }
        Ok(result)
    }

    pub async fn add_monitor(
        &self,
        actor: &Actor,
        component_id: i64,
        new: NewMonitor,
    ) -> Result<Monitor, DeskError> {
        require_operator(actor)?;
        let invalid = |m: &str| Err(DeskError::Invalid(m.into()));
        match new.kind.as_str() {
            "http" => {
                if !(new.target.starts_with("http://") || new.target.starts_with("https://"))
                    || new.target.len() < 9
                {
                    return invalid("an http monitor's target is a URL like https://host/path");
                }
                if !["GET", "HEAD", "POST"].contains(&new.method.as_str()) {
                    return invalid("method must be GET, HEAD or POST");
                }
            }
            "tcp" => {
                let port = new
                    .target
                    .rsplit_once(':')
                    .and_then(|(host, port)| (!host.is_empty()).then_some(port));
                if !port.is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0)) {
                    return invalid("a tcp monitor's target is host:port");
                }
            }
            "heartbeat" => {}
            other => {
                return Err(DeskError::Invalid(format!(
                    "unknown monitor kind `{other}` (expected http, tcp or heartbeat)"
                )));
            }
        }
        let target = if new.kind == "heartbeat" {
            format!("hb_{}", crate::secrets::hex::<24>()?)
        } else {
            new.target
        };
        if !(100..=60_000).contains(&new.timeout_ms)
            || !(1..=86_400).contains(&new.interval_seconds)
            || !(100..=599).contains(&new.expected_status)
        {
            return invalid(
                "timeout_ms must be 100-60000, interval_seconds 1-86400, expected_status 100-599",
            );
        }
        let mut tx = self.store.write().await?;
        store::component_by_id(&mut tx, component_id)
            .await?
            .ok_or(DeskError::NotFound("component"))?;
        let now = self.clock.now().as_second();
        let mut monitor = Monitor {
            id: 0,
            component_id,
            kind: new.kind,
            target,
            method: new.method,
            expected_status: new.expected_status,
            body_contains: new.body_contains.filter(|b| !b.is_empty()),
            timeout_ms: new.timeout_ms,
            interval_seconds: new.interval_seconds,
            failing: false,
            consecutive_failures: 0,
            failing_since: None,
            last_checked_at: None,
            last_error: None,
            last_beat_at: None,
        };
        monitor.id = store::insert_monitor(&mut tx, &monitor, now).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "monitor.create",
            &format!("monitor:{}", monitor.id),
            &json!({"target": monitor.target}),
        )
        .await?;
        tx.commit().await?;
        Ok(monitor)
    }

    /// M1/M2: a regular window needs the policy's notice (7 days); an emergency window may
    /// start at once. Returns the window and warnings (a regular window before 18:00).
    pub async fn schedule_maintenance(
        &self,
        actor: &Actor,
        new: NewWindow,
    ) -> Result<(MaintenanceWindow, Vec<String>), DeskError> {
        require_operator(actor)?;
        if new.ends_at <= new.starts_at {
            return Err(DeskError::Invalid("ends_at must be after starts_at".into()));
        }
        let work = new.work.trim();
        let impact = new.impact.trim();
        if work.is_empty() || impact.is_empty() {
            return Err(DeskError::Invalid(
                "describe the work and its impact (M1)".into(),
            ));
        }
        let policy = self.policies.base();
        let now = self.clock.now();
        let notice_seconds = i64::from(policy.maintenance_notice_days) * 86_400;
        let mut warnings = Vec::new();
        if !new.emergency {
            if new.starts_at.as_second() < now.as_second() + notice_seconds {
                return Err(DeskError::Invalid(format!(
                    "regular maintenance must be announced at least {} days ahead (M1); mark it as emergency if it cannot wait",
                    policy.maintenance_notice_days
                )));
            }
            let local = new
                .starts_at
                .to_zoned_datetime(policy.availability.time_zone.clone());
            if (local.hour() as u8) < policy.maintenance_preferred_from_hour {
                warnings.push(format!(
                    "the window starts at {:02}:{:02} Dutch time, before {}:00; the announcement must say why (M1)",
                    local.hour(),
                    local.minute(),
                    policy.maintenance_preferred_from_hour
                ));
            }
        }
        let mut tx = self.store.write().await?;
        let component = store::component_by_id(&mut tx, new.component_id)
            .await?
            .ok_or_else(|| {
                DeskError::Invalid(format!("component {} does not exist", new.component_id))
            })?;
        let mut window = MaintenanceWindow {
            id: 0,
            component_id: new.component_id,
            starts_at: new.starts_at.as_second(),
            ends_at: new.ends_at.as_second(),
            emergency: new.emergency,
            work: work.into(),
            impact: impact.into(),
            announced_at: now.as_second(),
            created_by: actor.id(),
        };
        window.id = store::insert_window(&mut tx, &window).await?;
        self.announce_maintenance(&mut tx, &component, &window)
            .await?;
        audit::record(
            &mut tx,
            now.as_second(),
            actor.id(),
            actor.token_id,
            "maintenance.schedule",
            &format!("maintenance:{}", window.id),
            &json!({"emergency": window.emergency}),
        )
        .await?;
        tx.commit().await?;
        Ok((window, warnings))
    }

    /// A push monitor's agent calls in. Unknown tokens are "not found".
    pub async fn heartbeat(&self, token: &str) -> Result<(), DeskError> {
        if !token.starts_with("hb_") || token.len() > 100 {
            return Err(DeskError::NotFound("heartbeat monitor"));
        }
        let mut tx = self.store.write().await?;
        let known = store::record_beat(&mut tx, token, self.clock.now().as_second()).await?;
        tx.commit().await?;
        if known {
            Ok(())
        } else {
            Err(DeskError::NotFound("heartbeat monitor"))
        }
    }

    /// A3: staff record why a stretch of unavailability is not downtime; audited.
    pub async fn record_exclusion(
        &self,
        actor: &Actor,
        new: NewExclusion,
    ) -> Result<ExclusionRow, DeskError> {
        require_operator(actor)?;
        if new.ends_at <= new.starts_at {
            return Err(DeskError::Invalid("ends_at must be after starts_at".into()));
        }
        let reason = new.reason.trim();
        if reason.is_empty() {
            return Err(DeskError::Invalid("a reason is required (A3)".into()));
        }
        let mut tx = self.store.write().await?;
        store::component_by_id(&mut tx, new.component_id)
            .await?
            .ok_or_else(|| {
                DeskError::Invalid(format!("component {} does not exist", new.component_id))
            })?;
        let now = self.clock.now().as_second();
        let category = crate::store::accounts::word(&new.category);
        let mut row = ExclusionRow {
            id: 0,
            component_id: new.component_id,
            starts_at: new.starts_at.as_second(),
            ends_at: new.ends_at.as_second(),
            category: category.clone(),
            reason: reason.into(),
            created_by: actor.id(),
            created_at: now,
        };
        row.id = store::insert_exclusion(&mut tx, &row).await?;
        audit::record(&mut tx, now, actor.id(), actor.token_id, "availability.exclude", &format!("component:{}", row.component_id), &json!({"category": category, "reason": row.reason, "starts_at": row.starts_at, "ends_at": row.ends_at})).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A1: a component's availability in a calendar month, with every interval explained.
    pub async fn availability(
        &self,
        actor: &Actor,
        component_id: i64,
        year: i16,
        month: i8,
    ) -> Result<MonthReport, DeskError> {
        require_staff(actor)?;
        let policy = self.policies.base();
        let (start, end) = month_bounds(&policy.availability.time_zone, year, month)
            .map_err(|e| DeskError::Invalid(e.to_string()))?;
        // Outages are judged whole, so look a day beyond the month on both sides.
        let (from, to) = (start.as_second() - 86_400, end.as_second() + 86_400);
        let now = self.clock.now().as_second();
        let mut conn = self.store.read().await?;
        store::component_by_id(&mut conn, component_id)
            .await?
            .ok_or(DeskError::NotFound("component"))?;
        let instant = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
        let down = store::outages_between(&mut conn, component_id, from, to)
            .await?
            .into_iter()
            .map(|o| Span {
                start: instant(o.started_at),
                end: instant(o.ended_at.unwrap_or(now).max(o.started_at + 1)),
            })
            .collect();
        let maintenance = store::windows_between(&mut conn, Some(component_id), from, to)
            .await?
            .into_iter()
            .map(|w| Span {
                start: instant(w.starts_at),
                end: instant(w.ends_at),
            })
            .collect();
        let mut exclusions = Vec::new();
        for e in store::exclusions_between(&mut conn, component_id, from, to).await? {
            let category = crate::store::accounts::parse_word(&e.category)?;
            exclusions.push(Exclusion {
                span: Span {
                    start: instant(e.starts_at),
                    end: instant(e.ends_at),
                },
                category,
                reason: e.reason,
            });
        }
        let input = MonthInput {
            year,
            month,
            target_percent: policy.availability_target_percent,
            down,
            maintenance,
            exclusions,
        };
        compute_month(&policy.availability, &input).map_err(|e| DeskError::Invalid(e.to_string()))
    }

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
    async fn open_outage_ticket(
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
        let policy = self.policies.base();
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
            policy_version: policy.version.clone(),
            created_at: now.as_second(),
            updated_at: now.as_second(),
            breached_at: None,
            next_check_at: None,
            due_at: None,
            confidential: false,
        };
        super::sla::derive(&policy, &mut ticket, &[], &[], now)?;
        // Inside this transaction (not the batch writer): the outage and its ticket commit together.
        let ids = super::creation::write_in(
            conn,
            &[&Creation {
                ticket,
                actor_id: None,
                token_id: None,
                urgency: None,
            }],
        )
        .await?;
        Ok(ids.first().copied())
    }

    async fn platform_organization(&self, conn: &mut crate::store::Conn) -> Result<i64, DeskError> {
        super::accounts::vendor_organization(
            conn,
            "Platform (vendor)",
            self.clock.now().as_second(),
        )
        .await
    }

    /// M1/M2: the announcement goes to the status page's subscribers for a platform component,
    /// or to the customer's own people for their instance, each in their language.
    async fn announce_maintenance(
        &self,
        conn: &mut crate::store::Conn,
        component: &Component,
        w: &MaintenanceWindow,
    ) -> Result<(), DeskError> {
        let (starts, ends) = (
            Timestamp::from_second(w.starts_at).unwrap_or(Timestamp::UNIX_EPOCH),
            Timestamp::from_second(w.ends_at).unwrap_or(Timestamp::UNIX_EPOCH),
        );
        match component.organization_id {
            None => {
                self.mail_subscribers(conn, |lang, unsubscribe| {
                    crate::notify::maintenance_announcement(
                        &component.name,
                        starts,
                        ends,
                        w.emergency,
                        &w.work,
                        &w.impact,
                        lang,
                        unsubscribe,
                    )
                })
                .await
            }
            Some(org) => {
                let now = self.clock.now().as_second();
                for person in accounts::list_users(conn, Some(org), 0, 10_000).await? {
                    let mail = crate::notify::maintenance_announcement(
                        &component.name,
                        starts,
                        ends,
                        w.emergency,
                        &w.work,
                        &w.impact,
                        person.language,
                        &self.public_url,
                    );
                    outbox::enqueue(conn, &person.email, &mail.subject, &mail.body, None, now)
                        .await?;
                }
                Ok(())
            }
        }
    }

    /// A component went down or recovered: webhooks, and the status page's subscribers for a
    /// platform component.
    async fn tell_outside(
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

    async fn mail_saas_team(
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
