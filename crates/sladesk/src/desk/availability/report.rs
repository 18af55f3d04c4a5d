//! Exclusions recorded by staff (A3) and the monthly availability report (A1).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use sladesk_core::availability::{
    Exclusion, ExclusionCategory, MonthInput, MonthReport, Span, compute_month, month_bounds,
};

use super::super::{Actor, Desk, DeskError};
use crate::desk::{Field, Refusal};
use crate::store::audit;
use crate::store::availability::{self as store, ExclusionRow};

use super::{require_operator, require_staff};

/// The most characters of an exclusion's reason (as the OpenAPI document says).
const MAX_REASON: usize = 5_000;

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

impl Desk {
    /// A3: staff record why a stretch of unavailability is not downtime; audited.
    pub async fn record_exclusion(
        &self,
        actor: &Actor,
        new: NewExclusion,
    ) -> Result<ExclusionRow, DeskError> {
        require_operator(actor)?;
        if new.ends_at <= new.starts_at {
            return Err(DeskError::Refused(Refusal::EndsBeforeStart));
        }
        let reason = new.reason.trim();
        if reason.is_empty() {
            return Err(DeskError::Refused(Refusal::ReasonRequired));
        }
        if new.reason.chars().count() > MAX_REASON {
            let field = Field::Reason;
            return Err(Refusal::TooLong {
                field,
                max: MAX_REASON,
            }
            .into());
        }
        let mut tx = self.store.write().await?;
        store::component_by_id(&mut tx, new.component_id)
            .await?
            .ok_or_else(|| {
                DeskError::Refused(Refusal::UnknownComponent {
                    id: new.component_id,
                })
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
        let (start, end) =
            month_bounds(&policy.availability.time_zone, year, month).map_err(|_| {
                Refusal::NoSuchMonth {
                    year: year.into(),
                    month: month.into(),
                }
            })?;
        // Outages are judged whole, so look a day beyond the month on both sides.
        let (from, to) = (start.as_second() - 86_400, end.as_second() + 86_400);
        let now = self.clock.now().as_second();
        let mut conn = self.store.read().await?;
        store::component_by_id(&mut conn, component_id)
            .await?
            .ok_or(DeskError::NotFound(crate::desk::Thing::Component))?;
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
        compute_month(&policy.availability, &input).map_err(|e| DeskError::Fault(e.to_string()))
    }
}
