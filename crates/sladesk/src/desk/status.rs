//! What the public status page shows (A5): each public component's state, 90 days of daily
//! availability, this month's figure, incidents with their updates, and maintenance.

use crate::desk::{Field, Refusal};
use crate::domain::availability::ComponentState;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::json;
use sladesk_core::availability::{Exclusion, MonthInput, Span, compute_period, month_bounds};

use super::{Actor, Desk, DeskError};
use crate::store::availability::{self as store, Outage, OutageUpdate};
use crate::store::{accounts::parse_word, audit};

pub const DAYS_SHOWN: i64 = 90;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusPage {
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: Timestamp,
    pub components: Vec<ComponentStatus>,
    pub incidents: Vec<Incident>,
    pub maintenance: Vec<PlannedMaintenance>,
    /// R3, M1: release rollouts under way or starting within two weeks, in sum: each
    /// customer instance is updated in its own short window, announced to its customer; the
    /// public page names no customer.
    pub rollouts: Vec<RolloutNotice>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RolloutNotice {
    pub version: String,
    pub state: crate::domain::releases::ReleaseState,
    /// `YYYY-MM-DD`.
    pub planned_start: String,
    /// The first update window's start and the last one's end, once the rollout started.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_window_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_window_until: Option<Timestamp>,
    /// Customer instances updated in the rollout (0 before it started).
    pub instances: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComponentStatus {
    pub id: i64,
    pub name: String,
    /// `maintenance` while inside a maintenance window now.
    pub state: ComponentState,
    /// This calendar month so far, in percent.
    pub month_availability_percent: f64,
    pub target_percent: f64,
    /// Oldest first.
    pub days: Vec<DayStatus>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayStatus {
    /// The Dutch calendar date, `YYYY-MM-DD`.
    pub date: String,
    pub availability_percent: f64,
    pub downtime_seconds: i64,
    /// `ok`, `down` (downtime counted), `degraded` (unavailability that did not count, such as
    /// maintenance or an outage under 5 minutes), or `none` (before the component existed).
    pub level: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    pub component: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
    pub updates: Vec<IncidentUpdate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentUpdate {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlannedMaintenance {
    pub id: i64,
    pub component: String,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    pub emergency: bool,
    pub ongoing: bool,
    pub work: String,
    pub impact: String,
}

fn instant(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Desk {
    /// S3/A5: the SaaS team's progress update on an outage, shown on the status page.
    pub async fn post_outage_update(
        &self,
        actor: &Actor,
        outage_id: i64,
        message: &str,
    ) -> Result<OutageUpdate, DeskError> {
        if !matches!(
            actor.role(),
            None | Some(
                crate::domain::accounts::Role::Admin | crate::domain::accounts::Role::SaasTeam
            )
        ) {
            return Err(DeskError::Refused(Refusal::OperatorsPostOutageUpdates));
        }
        if message.trim().is_empty() || message.chars().count() > 5_000 {
            return Err(DeskError::Refused(Refusal::Length {
                field: Field::Message,
                min: 1,
                max: 5_000,
            }));
        }
        let message = message.trim();
        let mut tx = self.store.write().await?;
        store::outage_by_id(&mut tx, outage_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Outage))?;
        let now = self.clock.now().as_second();
        let mut update = OutageUpdate {
            id: 0,
            outage_id,
            at: now,
            message: message.into(),
            author_id: actor.id(),
        };
        update.id = store::insert_update(&mut tx, &update).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "outage.update",
            &format!("outage:{outage_id}"),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(update)
    }

    /// Outages that were open in the last `days` days, newest first (staff).
    pub async fn outages(
        &self,
        actor: &Actor,
        days: i64,
    ) -> Result<Vec<(Outage, Vec<OutageUpdate>)>, DeskError> {
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::StaffOnly));
        }
        let mut conn = self.store.read().await?;
        let since = self.clock.now().as_second() - days * 86_400;
        let mut result = Vec::new();
        for outage in store::recent_outages(&mut conn, since).await? {
            let updates = store::updates_of(&mut conn, outage.id).await?;
            result.push((outage, updates));
        }
        Ok(result)
    }

    /// The public status page's content. Only platform-wide components (not a customer's own
    /// instance) are shown.
    pub async fn status_page(&self) -> Result<StatusPage, DeskError> {
        let policy = self.policies.base();
        let rules = &policy.availability;
        let tz = rules.time_zone.clone();
        let now = self.clock.now();
        let today = now.to_zoned_datetime(tz.clone()).date();
        let first_day = today
            .checked_sub(jiff::Span::new().days(DAYS_SHOWN - 1))
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        let from = first_day
            .to_zoned_datetime(tz.clone())
            .map_err(|e| DeskError::Fault(e.to_string()))?
            .timestamp()
            .as_second()
            - 86_400;
        let to = now.as_second() + 86_400;
        let (month_start, _) = month_bounds(&tz, today.year(), today.month())
            .map_err(|e| DeskError::Fault(e.to_string()))?;

        let mut conn = self.store.read().await?;
        let mut components = Vec::new();
        let mut names = std::collections::HashMap::new();
        for component in store::list_components(&mut conn)
            .await?
            .into_iter()
            .filter(|c| c.organization_id.is_none())
        {
            names.insert(component.id, component.name.clone());
            let down: Vec<Span> = store::outages_between(&mut conn, component.id, from, to)
                .await?
                .into_iter()
                .map(|o| Span {
                    start: instant(o.started_at),
                    end: instant(o.ended_at.unwrap_or(now.as_second()).max(o.started_at + 1)),
                })
                .collect();
            let windows = store::windows_between(&mut conn, Some(component.id), from, to).await?;
            let maintenance: Vec<Span> = windows
                .iter()
                .map(|w| Span {
                    start: instant(w.starts_at),
                    end: instant(w.ends_at),
                })
                .collect();
            let mut exclusions = Vec::new();
            for e in store::exclusions_between(&mut conn, component.id, from, to).await? {
                exclusions.push(Exclusion {
                    span: Span {
                        start: instant(e.starts_at),
                        end: instant(e.ends_at),
                    },
                    category: parse_word(&e.category)?,
                    reason: e.reason,
                });
            }
            let input = MonthInput {
                year: today.year(),
                month: today.month(),
                target_percent: policy.availability_target_percent,
                down,
                maintenance,
                exclusions,
            };
            let created = instant(component.created_at);
            let mut days = Vec::with_capacity(DAYS_SHOWN as usize);
            let mut day = first_day;
            while day <= today {
                let start = day
                    .to_zoned_datetime(tz.clone())
                    .map_err(|e| DeskError::Fault(e.to_string()))?
                    .timestamp();
                let next = day
                    .tomorrow()
                    .map_err(|e| DeskError::Fault(e.to_string()))?;
                let end = next
                    .to_zoned_datetime(tz.clone())
                    .map_err(|e| DeskError::Fault(e.to_string()))?
                    .timestamp()
                    .min(now);
                let status = if end <= created || end <= start {
                    DayStatus {
                        date: day.to_string(),
                        availability_percent: 100.0,
                        downtime_seconds: 0,
                        level: "none".into(),
                    }
                } else {
                    let report = compute_period(rules, Span { start, end }, &input)
                        .map_err(|e| DeskError::Fault(e.to_string()))?;
                    let level = if report.downtime_seconds > 0 {
                        "down"
                    } else if report.intervals.is_empty() {
                        "ok"
                    } else {
                        "degraded"
                    };
                    DayStatus {
                        date: day.to_string(),
                        availability_percent: report.availability_percent,
                        downtime_seconds: report.downtime_seconds,
                        level: level.into(),
                    }
                };
                days.push(status);
                day = next;
            }
            let month = if now > month_start {
                compute_period(
                    rules,
                    Span {
                        start: month_start,
                        end: now,
                    },
                    &input,
                )
                .map_err(|e| DeskError::Fault(e.to_string()))?
                .availability_percent
            } else {
                100.0
            };
            let in_maintenance = windows
                .iter()
                .any(|w| w.starts_at <= now.as_second() && now.as_second() < w.ends_at);
            let state = match component.state {
                ComponentState::Down => ComponentState::Down,
                _ if in_maintenance => ComponentState::Maintenance,
                _ => ComponentState::Up,
            };
            components.push(ComponentStatus {
                id: component.id,
                name: component.name,
                state,
                month_availability_percent: month,
                target_percent: policy.availability_target_percent,
                days,
            });
        }
        let week_ago = now.as_second() - 7 * 86_400;
        let mut incidents = Vec::new();
        for outage in store::recent_outages(&mut conn, week_ago).await? {
            let Some(name) = names.get(&outage.component_id) else {
                continue;
            };
            let updates = store::updates_of(&mut conn, outage.id).await?;
            incidents.push(Incident {
                id: outage.id,
                component: name.clone(),
                started_at: instant(outage.started_at),
                ended_at: outage.ended_at.map(instant),
                updates: updates
                    .into_iter()
                    .map(|u| IncidentUpdate {
                        at: instant(u.at),
                        message: u.message,
                    })
                    .collect(),
            });
        }
        let horizon = now + SignedDuration::from_hours(24 * 60);
        let mut maintenance = Vec::new();
        for w in
            store::windows_between(&mut conn, None, now.as_second(), horizon.as_second()).await?
        {
            let Some(name) = names.get(&w.component_id) else {
                continue;
            };
            maintenance.push(PlannedMaintenance {
                id: w.id,
                component: name.clone(),
                starts_at: instant(w.starts_at),
                ends_at: instant(w.ends_at),
                emergency: w.emergency,
                ongoing: w.starts_at <= now.as_second(),
                work: w.work,
                impact: w.impact,
            });
        }
        let fortnight = today
            .checked_add(jiff::Span::new().days(14))
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        let rollouts = crate::store::releases::rollout_summaries(&mut conn, &fortnight.to_string())
            .await?
            .into_iter()
            .map(|r| RolloutNotice {
                version: r.version,
                state: r.state,
                planned_start: r.planned_start,
                first_window_at: r.first_at.map(instant),
                last_window_until: r.last_at.map(instant),
                instances: r.instances,
            })
            .collect();
        Ok(StatusPage {
            generated_at: now,
            components,
            incidents,
            maintenance,
            rollouts,
        })
    }
}
