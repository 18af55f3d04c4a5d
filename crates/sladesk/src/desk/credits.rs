//! Service credits of a contract for a month (G2, S5): the month's tickets measured by their
//! own SLA versions, the contract's availability, and the core's arithmetic of the guarantees.
//!
//! The month is a calendar month in the policy's time zone. A ticket counts in the month it was
//! filed in; it is judged as it stood at the month's end (or now, for the current month), and
//! counts as resolved in the month when it was closed by then.

use sladesk_core::availability::month_bounds;
use sladesk_core::credits::{CreditStatement, MonthFacts, TicketFact, credits};
use sladesk_core::sla::ClockState;

use super::{Actor, Desk, DeskError};
use crate::desk::{Refusal, Thing};
use crate::domain::accounts::Organization;
use crate::store::{accounts, availability, tickets};

impl Desk {
    /// The credits `organization` is owed for `year`-`month`, with the organisation.
    pub async fn credits(
        &self,
        actor: &Actor,
        organization: i64,
        year: i16,
        month: i8,
    ) -> Result<(Organization, CreditStatement), DeskError> {
        if !actor.sees_organization(organization) {
            return Err(DeskError::NotFound(Thing::Organization));
        }
        let tz = self.policies.base().availability.time_zone.clone();
        let (start, end) = month_bounds(&tz, year, month).map_err(|_| Refusal::NoSuchMonth {
            year: year.into(),
            month: month.into(),
        })?;
        let (start, end) = (start.as_second(), end.as_second());
        let now = self.clock.now();
        let judged_at = jiff::Timestamp::from_second(end.min(now.as_second()))
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        let mut conn = self.store.read().await?;
        let org = accounts::organization_by_id(&mut conn, organization)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        let Some(terms) = org.terms.clone() else {
            // Service levels only (S5): nothing is owed.
            let none = credits(&Default::default(), &MonthFacts::default());
            return Ok((org, none));
        };
        let mut facts = MonthFacts::default();
        let filed = if start < judged_at.as_second() {
            tickets::tickets_filed_between(&mut conn, organization, start, end).await?
        } else {
            Vec::new()
        };
        let ids: Vec<i64> = filed.iter().map(|t| t.id).collect();
        let mut events: std::collections::HashMap<i64, Vec<_>> = Default::default();
        for event in tickets::events_of_many(&mut conn, &ids).await? {
            if event.at <= judged_at.as_second() {
                events.entry(event.ticket_id).or_default().push(event);
            }
        }
        for ticket in filed {
            let events = events.remove(&ticket.id).unwrap_or_default();
            let policy = self
                .policy_of_ticket(&mut conn, &ticket, org.policy.as_deref())
                .await?;
            let (report, _) = super::sla::evaluate_ticket(&policy, &ticket, &events, judged_at)?;
            facts.tickets.push(TicketFact {
                id: ticket.id,
                priority: ticket.priority,
                reaction_breached: report.reaction.breached,
                resolution_breached: report.resolution.breached,
                resolved_in_seconds: (report.resolution.state == ClockState::Stopped)
                    .then_some(report.resolution.elapsed_seconds),
            });
        }
        // The contract's own platform: its instances' availability, the lowest of them.
        let own: Vec<i64> = availability::list_components(&mut conn)
            .await?
            .into_iter()
            .filter(|c| c.organization_id == Some(organization))
            .map(|c| c.id)
            .collect();
        drop(conn);
        for component in own {
            let report = self
                .availability(&Actor::system(), component, year, month)
                .await?;
            facts.availability_percent = Some(
                facts
                    .availability_percent
                    .map_or(report.availability_percent, |a: f64| {
                        a.min(report.availability_percent)
                    }),
            );
        }
        Ok((org, credits(&terms, &facts)))
    }
}
