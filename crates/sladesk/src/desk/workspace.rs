//! What the browser pages need beyond single tickets: the agent queues and their counters, the
//! names behind ids, and each person's preferences.

use std::collections::{BTreeSet, HashMap};

use sladesk_core::text::Language;

use super::tickets::TicketView;
use super::{Actor, Desk, DeskError};
use crate::desk::Refusal;
use crate::domain::tickets::TicketEvent;
use crate::store::accounts;
use crate::store::preferences::{self, Preferences};
use crate::store::tickets::{self, Queue};

/// Open tickets per agent view, for the workspace's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    pub line: i64,
    pub mine: i64,
    pub unassigned: i64,
    pub breached: i64,
}

/// Names of the organisations and people a page mentions.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub organizations: HashMap<i64, String>,
    pub people: HashMap<i64, String>,
}

/// The longest page a queue shows.
pub const QUEUE_PAGE: i64 = 100;

impl Desk {
    fn staff_only(actor: &Actor) -> Result<(), DeskError> {
        match actor.is_staff() {
            true => Ok(()),
            false => Err(DeskError::Refused(Refusal::StaffOnly)),
        }
    }

    /// A queue's open tickets, nearest deadline first, with their SLA now.
    pub async fn queue(&self, actor: &Actor, queue: Queue) -> Result<Vec<TicketView>, DeskError> {
        Self::staff_only(actor)?;
        let now = self.clock.now();
        let mut conn = self.store.read().await?;
        let page = tickets::queue(&mut conn, queue, now.as_second(), QUEUE_PAGE).await?;
        self.views_of(&mut conn, page, now).await
    }

    pub async fn queue_counts(&self, actor: &Actor, line: i64) -> Result<QueueCounts, DeskError> {
        Self::staff_only(actor)?;
        let now = self.clock.now().as_second();
        let mut conn = self.store.read().await?;
        let me = actor.id().unwrap_or_default();
        Ok(QueueCounts {
            line: tickets::queue_count(&mut conn, Queue::Line(line), now).await?,
            mine: tickets::queue_count(&mut conn, Queue::Mine(me), now).await?,
            unassigned: tickets::queue_count(&mut conn, Queue::Unassigned(line), now).await?,
            breached: tickets::queue_count(&mut conn, Queue::Breached(line), now).await?,
        })
    }

    /// The names behind the organisations, requesters, assignees and authors of these tickets
    /// and events, as far as `actor` may know them (customers: their own organisation's people;
    /// staff appear to customers by name too, as the people who answer them).
    pub async fn names(
        &self,
        actor: &Actor,
        views: &[TicketView],
        events: &[TicketEvent],
    ) -> Result<Names, DeskError> {
        let organizations: BTreeSet<i64> = views.iter().map(|v| v.ticket.organization_id).collect();
        let people: BTreeSet<i64> = views
            .iter()
            .flat_map(|v| [Some(v.ticket.requester_id), v.ticket.assignee_id])
            .chain(events.iter().map(|e| e.actor_id))
            .flatten()
            .collect();
        let organizations: Vec<i64> = organizations.into_iter().collect();
        let people: Vec<i64> = people.into_iter().collect();
        self.names_of(actor, &organizations, &people).await
    }

    /// The names of these organisations and people, as far as `actor` may know them.
    pub async fn names_of(
        &self,
        actor: &Actor,
        organizations: &[i64],
        people: &[i64],
    ) -> Result<Names, DeskError> {
        let mut conn = self.store.read().await?;
        let mut names = Names::default();
        let visible: Vec<i64> = organizations
            .iter()
            .copied()
            .filter(|id| actor.sees_organization(*id))
            .collect();
        for org in accounts::organizations_by_ids(&mut conn, &visible).await? {
            names.organizations.insert(org.id, org.name);
        }
        for user in accounts::users_by_ids(&mut conn, people).await? {
            let visible = user.role.is_staff()
                || user
                    .organization_id
                    .is_some_and(|o| actor.sees_organization(o));
            if visible {
                let name = match user.name.trim() {
                    "" => user.email,
                    _ => user.name,
                };
                names.people.insert(user.id, name);
            }
        }
        Ok(names)
    }

    /// A customer by email address, for staff filing a ticket on their behalf (after a call).
    pub async fn customer_by_email(
        &self,
        actor: &Actor,
        email: &str,
    ) -> Result<crate::domain::accounts::User, DeskError> {
        Self::staff_only(actor)?;
        let email = super::accounts::check_email(email)?;
        let mut conn = self.store.read().await?;
        match accounts::user_by_email(&mut conn, &email).await? {
            Some(user) if !user.role.is_staff() && user.disabled_at.is_none() => Ok(user),
            _ => Err(DeskError::Refused(Refusal::NoCustomerWithEmail {
                email: email.to_string(),
            })),
        }
    }

    /// The service desk's people, for the assign menu.
    pub async fn staff_members(
        &self,
        actor: &Actor,
    ) -> Result<Vec<crate::domain::accounts::User>, DeskError> {
        Self::staff_only(actor)?;
        let mut conn = self.store.read().await?;
        Ok(accounts::active_staff(&mut conn).await?)
    }

    pub async fn preferences(&self, user_id: i64) -> Result<Preferences, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(preferences::preferences_of(&mut conn, user_id).await?)
    }

    pub async fn save_preferences(
        &self,
        actor: &Actor,
        language: Language,
        new: Preferences,
    ) -> Result<(), DeskError> {
        let user_id = actor
            .id()
            .ok_or_else(|| DeskError::Refused(Refusal::SignInFirst))?;
        if jiff::tz::TimeZone::get(&new.time_zone).is_err() {
            return Err(DeskError::Refused(Refusal::NotATimeZone {
                given: new.time_zone.clone(),
            }));
        }
        let mut tx = self.store.write().await?;
        preferences::save_preferences(&mut tx, user_id, language, &new).await?;
        crate::store::audit::record(
            &mut tx,
            self.clock.now().as_second(),
            Some(user_id),
            actor.token_id,
            "user.preferences",
            &format!("user:{user_id}"),
            &serde_json::json!({"language": language, "time_zone": new.time_zone,
                "mail_status": new.mail_status, "mail_replies": new.mail_replies}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
