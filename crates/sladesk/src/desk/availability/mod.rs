//! Availability operations: components and monitors here; what a check's outcome means for a
//! component (outages, the 24/7 `saas_outage` ticket of S3) in `outages`; maintenance windows
//! (M1, M2) in `maintenance`; exclusions recorded by staff (A3) and the monthly report (A1) in
//! `report`.

mod maintenance;
mod outages;
mod report;

pub use maintenance::NewWindow;
pub use report::NewExclusion;

use crate::desk::{Field, Refusal};
use crate::domain::availability::ComponentState;
use serde::Deserialize;
use serde_json::json;

use super::{Actor, Desk, DeskError};
use crate::domain::accounts::Role;
use crate::store::accounts::{self};
use crate::store::audit;
use crate::store::availability::{self as store, Component, Monitor};

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

pub(super) fn require_operator(actor: &Actor) -> Result<(), DeskError> {
    match actor.role() {
        None | Some(Role::Admin) | Some(Role::SaasTeam) => Ok(()),
        _ => Err(DeskError::Refused(Refusal::OperatorsOnly)),
    }
}

pub(super) fn require_staff(actor: &Actor) -> Result<(), DeskError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(DeskError::Refused(Refusal::StaffOnly))
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
            return Err(DeskError::Refused(Refusal::Length {
                field: Field::Name,
                min: 1,
                max: 200,
            }));
        }
        let mut tx = self.store.write().await?;
        if let Some(org) = new.organization_id
            && accounts::organization_by_id(&mut tx, org).await?.is_none()
        {
            return Err(DeskError::Refused(Refusal::UnknownOrganization { id: org }));
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
        let invalid = |refusal: Refusal| Err(DeskError::Refused(refusal));
        match new.kind.as_str() {
            "http" => {
                if !(new.target.starts_with("http://") || new.target.starts_with("https://"))
                    || new.target.len() < 9
                {
                    return invalid(Refusal::HttpTarget);
                }
                if !["GET", "HEAD", "POST"].contains(&new.method.as_str()) {
                    return invalid(Refusal::HttpMethod);
                }
            }
            "tcp" => {
                let port = new
                    .target
                    .rsplit_once(':')
                    .and_then(|(host, port)| (!host.is_empty()).then_some(port));
                if !port.is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0)) {
                    return invalid(Refusal::TcpTarget);
                }
            }
            "heartbeat" => {}
            other => {
                return Err(DeskError::Refused(Refusal::UnknownMonitorKind {
                    given: other.to_string(),
                }));
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
            return invalid(Refusal::MonitorSettings);
        }
        let mut tx = self.store.write().await?;
        store::component_by_id(&mut tx, component_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Component))?;
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
            ..Monitor::default()
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

    /// A push monitor's agent calls in. Unknown tokens are "not found".
    pub async fn heartbeat(&self, token: &str) -> Result<(), DeskError> {
        if !token.starts_with("hb_") || token.len() > 100 {
            return Err(DeskError::NotFound(crate::desk::Thing::HeartbeatMonitor));
        }
        let mut tx = self.store.write().await?;
        let known = store::record_beat(&mut tx, token, self.clock.now().as_second()).await?;
        tx.commit().await?;
        if known {
            Ok(())
        } else {
            Err(DeskError::NotFound(crate::desk::Thing::HeartbeatMonitor))
        }
    }
}
