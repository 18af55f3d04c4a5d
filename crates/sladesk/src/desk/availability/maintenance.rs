//! Maintenance windows (M1, M2): scheduled with notice, announced to those they affect.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use super::super::{Actor, Desk, DeskError};
use crate::desk::{Field, Refusal};
use crate::store::accounts::{self};
use crate::store::availability::{self as store, Component, MaintenanceWindow};
use crate::store::{audit, outbox};

use super::require_operator;

/// The most characters of a window's work and impact (as the OpenAPI document says).
const MAX_DESCRIPTION: usize = 5_000;

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

impl Desk {
    /// M1/M2: a regular window needs the policy's notice (7 days); an emergency window may
    /// start at once. Returns the window and warnings (a regular window before 18:00).
    pub async fn schedule_maintenance(
        &self,
        actor: &Actor,
        new: NewWindow,
    ) -> Result<(MaintenanceWindow, Vec<String>), DeskError> {
        require_operator(actor)?;
        if new.ends_at <= new.starts_at {
            return Err(DeskError::Refused(Refusal::EndsBeforeStart));
        }
        let work = new.work.trim();
        let impact = new.impact.trim();
        if work.is_empty() || impact.is_empty() {
            return Err(DeskError::Refused(Refusal::DescribeWork));
        }
        for (field, given) in [(Field::Work, &new.work), (Field::Impact, &new.impact)] {
            if given.chars().count() > MAX_DESCRIPTION {
                return Err(Refusal::TooLong {
                    field,
                    max: MAX_DESCRIPTION,
                }
                .into());
            }
        }
        let policy = self.policies.base();
        let now = self.clock.now();
        let notice_seconds = i64::from(policy.maintenance_notice_days) * 86_400;
        let mut warnings = Vec::new();
        if !new.emergency {
            if new.starts_at.as_second() < now.as_second() + notice_seconds {
                return Err(DeskError::Refused(Refusal::MaintenanceNotice {
                    days: policy.maintenance_notice_days.into(),
                }));
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
                DeskError::Refused(Refusal::UnknownComponent {
                    id: new.component_id,
                })
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

    /// M1/M2: the announcement goes to the status page's subscribers for a platform component,
    /// or to the customer's own people for their instance, each in their language.
    pub(in crate::desk) async fn announce_maintenance(
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
}
