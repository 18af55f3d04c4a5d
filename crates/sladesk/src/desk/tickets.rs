//! Ticket operations: filing, reading, triage, replies, status moves, disputes, escalations.
//! Every change is an event in the ticket's log, an audit entry, and (T5) mail to the customer
//! on status changes and public replies, all in one transaction.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};
use sladesk_core::sla::SlaReport;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType, Transition};

use super::creation::{Creation, Receipt};
use super::sla::{Topic, derive, evaluate_ticket, refresh};
use super::{Actor, Desk, DeskError};
use crate::desk::{Field, Refusal};
use crate::domain::accounts::Role;
use crate::domain::tickets::{Ticket, TicketChange, TicketEvent};
use crate::notify;
use crate::store::accounts::{self};
use crate::store::tickets::{self, TicketFilter};
use crate::store::{Conn, audit};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// Staff: required; customers: their own organisation (may be left out).
    pub organization_id: Option<i64>,
    /// Staff only: the customer the ticket is for (default: the staff member).
    pub requester_id: Option<i64>,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub environment: Environment,
    pub product: String,
    pub subject: String,
    pub description: String,
    /// Staff only; otherwise set by triage, with a default by environment (T6).
    pub priority: Option<Priority>,
    /// How urgent it is for the customer: shown to triage, never the priority itself (T4).
    #[serde(default)]
    pub urgency: Option<Priority>,
}

/// S5: a stretch of a ticket's clocks to leave out, and why.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketExclusion {
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: jiff::Timestamp,
    pub category: sladesk_core::availability::ExclusionCategory,
    pub reason: String,
}

/// Triage and handling by staff; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    pub priority: Option<Priority>,
    /// Why the priority changed; recorded with the change.
    pub priority_reason: Option<String>,
    /// Support line 1, 2 or 3.
    pub line: Option<i64>,
    /// An assignee's user id; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    /// Custom work (maatwerk, C3): outside the SLA, so the ticket has no clocks.
    pub outside_sla: Option<bool>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// A ticket with its SLA evaluated at the time of the request, and the policy in force for it
/// (its contract's own, or the basis SLA): what pages and mails say of office hours and
/// working days comes from this policy, not from the basis SLA.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    pub sla: SlaReport,
    pub policy: std::sync::Arc<sladesk_core::policy::Policy>,
}

const MAX_TEXT: usize = 100_000;

/// A required text: not blank, at most `max` characters as given (as the OpenAPI document's
/// `maxLength` says); returned trimmed.
pub(crate) fn text(field: Field, given: &str, max: usize) -> Result<String, DeskError> {
    let value = given.trim();
    if value.is_empty() {
        return Err(DeskError::Refused(Refusal::Empty { field }));
    }
    if given.chars().count() > max {
        return Err(DeskError::Refused(Refusal::TooLong { field, max }));
    }
    Ok(value.to_string())
}

/// An optional reason: trimmed, `None` when blank, at most 5,000 characters.
fn optional_reason(reason: Option<&str>) -> Result<Option<&str>, DeskError> {
    if reason.is_some_and(|r| r.chars().count() > 5_000) {
        return Err(DeskError::Refused(Refusal::TooLong {
            field: Field::Reason,
            max: 5_000,
        }));
    }
    Ok(reason.map(str::trim).filter(|r| !r.is_empty()))
}

/// Short fields are one line: a line break or tab in a subject or a name is refused.
/// (Other control characters never reach the desk: the HTTP layer refuses them.)
pub(crate) fn one_line(field: Field, value: String) -> Result<String, DeskError> {
    if value.contains(['\n', '\r', '\t']) {
        return Err(DeskError::Refused(Refusal::NotOneLine { field }));
    }
    Ok(value)
}

impl Desk {
    pub async fn create_ticket(
        &self,
        actor: &Actor,
        new: NewTicket,
    ) -> Result<TicketView, DeskError> {
        self.create_ticket_with_files(actor, new, Vec::new()).await
    }

    /// Files a ticket with files (T5); the requester is sent its receipt (T1).
    pub async fn create_ticket_with_files(
        &self,
        actor: &Actor,
        new: NewTicket,
        files: Vec<super::NewFile>,
    ) -> Result<TicketView, DeskError> {
        let now = self.clock.now();
        let subject = one_line(Field::Subject, text(Field::Subject, &new.subject, 300)?)?;
        let description = text(Field::Description, &new.description, MAX_TEXT)?;
        let product = one_line(Field::Product, text(Field::Product, &new.product, 200)?)?;
        let (organization_id, requester_id) = match actor.own_organization() {
            Some(own) => {
                if new.organization_id.is_some_and(|id| id != own) {
                    return Err(DeskError::Refused(Refusal::OwnOrganizationOnly));
                }
                if new.priority.is_some() || new.requester_id.is_some() {
                    return Err(DeskError::Refused(Refusal::DeskTriages));
                }
                (own, actor.id().unwrap_or_default())
            }
            None => {
                let org = new
                    .organization_id
                    .ok_or_else(|| DeskError::Refused(Refusal::OrganizationRequired))?;
                (org, new.requester_id.or(actor.id()).unwrap_or_default())
            }
        };
        // Checks read outside the write; the write itself is batched with other new tickets.
        let mut conn = self.store.read().await?;
        let org = accounts::organization_by_id(&mut conn, organization_id)
            .await?
            .ok_or_else(|| {
                DeskError::Refused(Refusal::UnknownOrganization {
                    id: organization_id,
                })
            })?;
        let today = now
            .to_zoned_datetime(
                jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC),
            )
            .date();
        if org.valid_from.is_some_and(|from| today < from)
            || org.valid_until.is_some_and(|until| today > until)
        {
            return Err(DeskError::Refused(Refusal::ContractNotInForce {
                organization: org.name.clone(),
            }));
        }
        if !org.products.is_empty()
            && !org
                .products
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&product))
        {
            return Err(DeskError::Refused(Refusal::ProductNotCovered {
                product: product.to_string(),
                covered: org.products.join(", "),
            }));
        }
        let requester = accounts::user_by_id(&mut conn, requester_id)
            .await?
            .ok_or_else(|| DeskError::Refused(Refusal::UnknownRequester { id: requester_id }))?;
        if requester.role == Role::Customer && requester.organization_id != Some(organization_id) {
            return Err(DeskError::Refused(Refusal::RequesterOfOtherOrganization));
        }
        let (version, policy) = self.policy_for_new_ticket(&mut conn, Some(&org)).await?;
        let priority = new
            .priority
            .unwrap_or_else(|| policy.triage.default_priority(new.environment));
        let mut ticket = Ticket {
            id: 0,
            organization_id,
            requester_id,
            ticket_type: new.ticket_type,
            class: priority,
            priority,
            triaged: new.priority.is_some(),
            environment: new.environment,
            product,
            subject,
            description: description.clone(),
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
        // A new ticket has no clock events yet: its SLA follows from the ticket alone, so the
        // derived columns are written with the row instead of re-reading it afterwards.
        let sla = derive(&policy, &mut ticket, &[], &[], now)?;
        // T1: the customer it is for is told its number and when the desk reacts (in their
        // own time zone), whatever their mail preferences: it is the record of filing. Staff
        // who file for themselves know both.
        let receipt = if requester.role == Role::Customer && requester.disabled_at.is_none() {
            let preferences =
                crate::store::preferences::preferences_of(&mut conn, requester.id).await?;
            let dutch =
                || jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC);
            Some(Receipt {
                recipient: requester.email.clone(),
                language: requester.language,
                reaction_due: sla.reaction.due_at,
                time_zone: jiff::tz::TimeZone::get(&preferences.time_zone)
                    .unwrap_or_else(|_| dutch()),
                public_url: self.public_url.clone(),
            })
        } else {
            None
        };
        drop(conn);
        let files = self.store_files(&policy, files).await?;
        let creation = Creation {
            ticket: ticket.clone(),
            actor_id: actor.id(),
            token_id: actor.token_id,
            urgency: new.urgency,
            files,
            file_state: self.new_file_state(),
            receipt,
        };
        ticket.id = self.creations.create(creation).await?;
        Ok(TicketView {
            ticket,
            sla,
            policy: policy.clone(),
        })
    }

    /// A ticket as `actor` may see it, with its SLA at this moment.
    /// With `explain`, each clock lists the stretches of the ticket's history, whether they
    /// counted, and the office-hours periods inside them: the answer to a disputed breach.
    pub async fn ticket(
        &self,
        actor: &Actor,
        id: i64,
        explain: bool,
    ) -> Result<TicketView, DeskError> {
        Ok(self.ticket_with_events(actor, id, explain).await?.0)
    }

    /// A ticket with its SLA and the history `actor` may see (customers: only what is public),
    /// from one read of its events.
    pub async fn ticket_with_events(
        &self,
        actor: &Actor,
        id: i64,
        explain: bool,
    ) -> Result<(TicketView, Vec<TicketEvent>), DeskError> {
        let mut conn = self.store.read().await?;
        let ticket = visible_ticket(&mut conn, actor, id).await?;
        let mut events = tickets::events_of(&mut conn, id, false).await?;
        let policy = self.policy_of(&mut conn, &ticket).await?;
        let sla = if explain {
            let timeline = super::sla::timeline_of(&ticket, &events)?;
            let last = timeline.events.last().map_or(timeline.created_at, |e| e.at);
            sladesk_core::sla::evaluate(&policy, &timeline, self.clock.now().max(last), true)
                .map_err(|e| {
                    DeskError::Store(crate::store::StoreError::Corrupt(format!(
                        "ticket {id}: {e}"
                    )))
                })?
        } else {
            evaluate_ticket(&policy, &ticket, &events, self.clock.now())?.0
        };
        if !actor.is_staff() {
            events.retain(|e| e.public);
        }
        Ok((
            TicketView {
                ticket,
                sla,
                policy: policy.clone(),
            },
            events,
        ))
    }

    /// A page of tickets, newest first, each with its SLA at this moment.
    pub async fn tickets(
        &self,
        actor: &Actor,
        mut filter: TicketFilter,
    ) -> Result<Vec<TicketView>, DeskError> {
        let now = self.clock.now();
        if let Some(own) = actor.own_organization() {
            if filter.organization_id.is_some_and(|id| id != own) {
                return Ok(Vec::new());
            }
            filter.organization_id = Some(own);
        }
        filter.now = now.as_second();
        filter.hide_confidential = !actor.sees_confidential();
        let mut conn = self.store.read().await?;
        let page = tickets::list_tickets(&mut conn, self.store.dialect, &filter).await?;
        self.views_of(&mut conn, page, now).await
    }

    /// Tickets with their SLA at `now`, their events read in one query.
    pub(crate) async fn views_of(
        &self,
        conn: &mut Conn,
        page: Vec<Ticket>,
        now: jiff::Timestamp,
    ) -> Result<Vec<TicketView>, DeskError> {
        let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        let mut events: HashMap<i64, Vec<TicketEvent>> = HashMap::new();
        for event in tickets::events_of_many(conn, &ids).await? {
            events.entry(event.ticket_id).or_default().push(event);
        }
        let mut organizations: Vec<i64> = page.iter().map(|t| t.organization_id).collect();
        organizations.sort_unstable();
        organizations.dedup();
        let contracts: HashMap<i64, Option<String>> =
            accounts::organizations_by_ids(conn, &organizations)
                .await?
                .into_iter()
                .map(|o| (o.id, o.policy))
                .collect();
        let mut views = Vec::with_capacity(page.len());
        for ticket in page {
            let contract = contracts.get(&ticket.organization_id).cloned().flatten();
            let policy = self
                .policy_of_ticket(conn, &ticket, contract.as_deref())
                .await?;
            let (sla, _) = evaluate_ticket(
                &policy,
                &ticket,
                events.get(&ticket.id).map_or(&[][..], Vec::as_slice),
                now,
            )?;
            views.push(TicketView {
                ticket,
                sla,
                policy,
            });
        }
        Ok(views)
    }

    /// The ticket's history; customers see only what is public.
    pub async fn events(&self, actor: &Actor, id: i64) -> Result<Vec<TicketEvent>, DeskError> {
        let mut conn = self.store.read().await?;
        visible_ticket(&mut conn, actor, id).await?;
        Ok(tickets::events_of(&mut conn, id, !actor.is_staff()).await?)
    }

    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: i64,
        patch: TicketPatch,
    ) -> Result<TicketView, DeskError> {
        let priority_reason = optional_reason(patch.priority_reason.as_deref())?;
        let mut tx = self.store.write().await?;
        let mut ticket = ticket_to_change(&mut tx, actor, id).await?;
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::DeskOnlyChanges));
        }
        if let Some(line) = patch.line
            && !(1..=3).contains(&line)
        {
            return Err(DeskError::Refused(Refusal::LineOutOfRange));
        }
        if ticket.confidential && patch.line.is_some_and(|line| line != ticket.line) {
            return Err(DeskError::Refused(Refusal::ConfidentialOffTheLines));
        }
        if let Some(to) = patch.priority
            && to != ticket.priority
            && (ticket.class == Priority::SaasOutage || to == Priority::SaasOutage)
        {
            return Err(DeskError::Refused(Refusal::OutageClassFixed));
        }
        let policy = self.policy_of(&mut tx, &ticket).await?;
        if let Some(to) = patch.priority {
            if to != ticket.priority {
                let change = TicketChange::Priority {
                    from: Some(ticket.priority),
                    to,
                    reason: priority_reason.map(String::from),
                };
                self.append(&mut tx, actor, &ticket, true, None, change)
                    .await?;
                ticket.priority = to;
            }
            ticket.triaged = true;
        }
        if let Some(line) = patch.line
            && line != ticket.line
        {
            let change = TicketChange::Escalation {
                from: ticket.line,
                to: line,
                reason: None,
            };
            self.append(&mut tx, actor, &ticket, true, None, change)
                .await?;
            ticket.line = line;
        }
        if let Some(assignee) = patch.assignee_id
            && assignee != ticket.assignee_id
        {
            if let Some(user_id) = assignee {
                let user = accounts::user_by_id(&mut tx, user_id).await?;
                let Some(user) = user.filter(|u| u.role.is_staff() && u.disabled_at.is_none())
                else {
                    return Err(DeskError::Refused(Refusal::NotAStaffMember {
                        given: user_id.to_string(),
                    }));
                };
                if ticket.confidential && !Actor::person(user, None).sees_confidential() {
                    return Err(DeskError::Refused(Refusal::ConfidentialOffTheLines));
                }
            }
            let change = TicketChange::Assignment {
                from: ticket.assignee_id,
                to: assignee,
            };
            self.append(&mut tx, actor, &ticket, false, None, change)
                .await?;
            ticket.assignee_id = assignee;
        }
        if let Some(kind) = patch.ticket_type
            && kind != ticket.ticket_type
        {
            let change = TicketChange::TypeChange {
                from: Some(ticket.ticket_type),
                to: kind,
            };
            self.append(&mut tx, actor, &ticket, true, None, change)
                .await?;
            ticket.ticket_type = kind;
        }
        if let Some(outside) = patch.outside_sla
            && outside != ticket.outside_sla
        {
            // C3: custom work is outside the SLA; a platform outage or a vulnerability report
            // is what the SLA is for.
            if outside && (ticket.class == Priority::SaasOutage || ticket.confidential) {
                return Err(DeskError::Refused(Refusal::NotCustomWork));
            }
            let change = TicketChange::SlaScope {
                outside_sla: outside,
            };
            self.append(&mut tx, actor, &ticket, true, None, change)
                .await?;
            ticket.outside_sla = outside;
        }
        self.finish(
            tx,
            actor,
            &policy,
            ticket,
            "ticket.update",
            &json!({
                "priority": patch.priority, "line": patch.line, "assignee_id": patch.assignee_id,
                "type": patch.ticket_type, "outside_sla": patch.outside_sla
            }),
        )
        .await
    }

    /// A reply or note. A public reply by staff answers the customer (the reaction, S4); a
    /// customer's reply while the desk waits for them moves the ticket back to In Progress (T7).
    pub async fn comment(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        public: bool,
    ) -> Result<TicketView, DeskError> {
        self.comment_with_files(actor, id, body, public, Vec::new())
            .await
    }

    /// A reply or note with files (T5): the files' bytes are stored first, their rows are
    /// written with the comment.
    pub async fn comment_with_files(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        public: bool,
        files: Vec<super::NewFile>,
    ) -> Result<TicketView, DeskError> {
        let body = text(Field::Body, body, MAX_TEXT)?;
        if !actor.is_staff() && !public {
            return Err(DeskError::Refused(Refusal::NoInternalNotesForCustomers));
        }
        let stored = if files.is_empty() {
            Vec::new()
        } else {
            // The ticket's own limits are checked with the rows; these bytes are in the store
            // before any row names them.
            let mut conn = self.store.read().await?;
            let ticket = visible_ticket(&mut conn, actor, id).await?;
            let policy = self.policy_of(&mut conn, &ticket).await?;
            drop(conn);
            self.store_files(&policy, files).await?
        };
        let mut tx = self.store.write().await?;
        let mut ticket = ticket_to_change(&mut tx, actor, id).await?;
        let policy = self.policy_of(&mut tx, &ticket).await?;
        let at = event_time(self.clock.now(), &ticket);
        if actor.is_staff() {
            let change = if public {
                TicketChange::StaffReply {}
            } else {
                TicketChange::InternalNote {}
            };
            let event = self
                .append(&mut tx, actor, &ticket, public, Some(body.clone()), change)
                .await?;
            let ids = self
                .record_files(&mut tx, &policy, ticket.id, event, &stored, at)
                .await?;
            if public {
                // T5: the reply's files travel with its mail up to the policy's size; above
                // it, the mail names them and they are fetched from the ticket.
                let total: u64 = stored.iter().map(|f| f.size).sum();
                let (carried, named): (&[i64], Vec<(&str, u64)>) =
                    if total <= policy.attachments.mail_up_to_bytes {
                        (&ids, Vec::new())
                    } else {
                        (
                            &[],
                            stored.iter().map(|f| (f.name.as_str(), f.size)).collect(),
                        )
                    };
                let t = ticket.clone();
                self.mail_requester_with_files(&mut tx, &t, Topic::Reply, carried, |lang| {
                    notify::staff_reply(&t, &body, &named, lang, &self.public_url)
                })
                .await?;
            }
        } else {
            let change = TicketChange::CustomerReply {};
            let event = self
                .append(&mut tx, actor, &ticket, true, Some(body.clone()), change)
                .await?;
            // T7: a reaction on a closed ticket is assessed by the desk (reopen it, or ask for
            // a new ticket when it is out of scope): whoever works it is told.
            if ticket.status == Status::Closed {
                let t = ticket.clone();
                self.mail_line(&mut tx, &t, |lang| {
                    notify::reply_on_closed(&t, &body, lang, &self.public_url)
                })
                .await?;
            }
            self.record_files(&mut tx, &policy, ticket.id, event, &stored, at)
                .await?;
            if ticket.status == Status::WaitingForCustomer {
                self.move_status(
                    &mut tx,
                    actor,
                    &mut ticket,
                    Status::InProgress,
                    Some("customer replied"),
                )
                .await?;
            }
        }
        self.finish(
            tx,
            actor,
            &policy,
            ticket,
            if public {
                "ticket.reply"
            } else {
                "ticket.note"
            },
            &json!({}),
        )
        .await
    }

    /// A status move (T7). Customers may confirm a solution, say it is not solved, or reopen.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: i64,
        to: Status,
        reason: Option<&str>,
    ) -> Result<TicketView, DeskError> {
        let reason = optional_reason(reason)?;
        let mut tx = self.store.write().await?;
        let mut ticket = ticket_to_change(&mut tx, actor, id).await?;
        let transition = Transition::between(ticket.status, to)?;
        if !actor.is_staff()
            && !matches!(
                transition,
                Transition::WaitingForCustomerToClosed
                    | Transition::WaitingForCustomerToInProgress
                    | Transition::Reopen
            )
        {
            return Err(DeskError::Refused(Refusal::CustomerMoves));
        }
        let policy = self.policy_of(&mut tx, &ticket).await?;
        self.move_status(&mut tx, actor, &mut ticket, to, reason)
            .await?;
        self.finish(
            tx,
            actor,
            &policy,
            ticket,
            "ticket.transition",
            &json!({"to": to}),
        )
        .await
    }

    /// T5: the customer disagrees with the priority; recorded for the first line to assess.
    pub async fn dispute_priority(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> Result<TicketView, DeskError> {
        let reason = text(Field::Reason, reason, 5_000)?;
        self.simple_event(
            actor,
            id,
            TicketChange::PriorityDispute {},
            true,
            Some(reason),
            "ticket.dispute",
            |_| Ok(()),
        )
        .await
    }

    /// T1: a phone call about the ticket, recorded by staff.
    pub async fn phone_call(
        &self,
        actor: &Actor,
        id: i64,
        summary: &str,
    ) -> Result<TicketView, DeskError> {
        let summary = text(Field::Summary, summary, MAX_TEXT)?;
        // Checked once the ticket is known to be visible: a foreign ticket stays "not found".
        let staff_only = |_: &Ticket| match actor.is_staff() {
            true => Ok(()),
            false => Err(DeskError::Refused(Refusal::DeskRecordsCalls)),
        };
        self.simple_event(
            actor,
            id,
            TicketChange::PhoneCall {},
            false,
            Some(summary),
            "ticket.phone_call",
            staff_only,
        )
        .await
    }

    /// T4: hand the ticket to the next support line.
    pub async fn escalate(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<&str>,
    ) -> Result<TicketView, DeskError> {
        let reason = optional_reason(reason)?;
        let mut tx = self.store.write().await?;
        let mut ticket = ticket_to_change(&mut tx, actor, id).await?;
        if !actor.is_staff() {
            return Err(DeskError::Refused(Refusal::DeskEscalates));
        }
        if ticket.confidential {
            return Err(DeskError::Refused(Refusal::ConfidentialOffTheLines));
        }
        if ticket.line >= 3 {
            return Err(DeskError::Refused(Refusal::AlreadyThirdLine));
        }
        let policy = self.policy_of(&mut tx, &ticket).await?;
        let change = TicketChange::Escalation {
            from: ticket.line,
            to: ticket.line + 1,
            reason: reason.map(String::from),
        };
        self.append(&mut tx, actor, &ticket, true, None, change)
            .await?;
        ticket.line += 1;
        // The next line picks it up: the assignment ends, and the log says so (the event log
        // is the truth an import or a replay reads).
        if let Some(assignee) = ticket.assignee_id {
            let change = TicketChange::Assignment {
                from: Some(assignee),
                to: None,
            };
            self.append(&mut tx, actor, &ticket, false, None, change)
                .await?;
        }
        ticket.assignee_id = None;
        let detail = json!({"line": ticket.line});
        self.finish(tx, actor, &policy, ticket, "ticket.escalate", &detail)
            .await
    }

    /// S5: staff leave a stretch of the ticket's history out of its clocks (force majeure, a
    /// third party's failure, the customer's own infrastructure). The customer sees it, with
    /// its reason; the clocks are recomputed from the events.
    pub async fn exclude_stretch(
        &self,
        actor: &Actor,
        id: i64,
        new: NewTicketExclusion,
    ) -> Result<TicketView, DeskError> {
        if !actor.is_staff() {
            return Err(Refusal::StaffOnly.into());
        }
        let reason = text(Field::Reason, &new.reason, 5_000)?;
        let mut tx = self.store.write().await?;
        let ticket = ticket_to_change(&mut tx, actor, id).await?;
        let (start, end) = (new.starts_at.as_second(), new.ends_at.as_second());
        let now = self.clock.now().as_second();
        if !(start < end && ticket.created_at <= start && end <= now) {
            return Err(Refusal::ExclusionOutOfRange.into());
        }
        let policy = self.policy_of(&mut tx, &ticket).await?;
        let change = TicketChange::Exclusion {
            start,
            end,
            category: new.category,
        };
        self.append(&mut tx, actor, &ticket, true, Some(reason), change)
            .await?;
        let detail = json!({"start": start, "end": end, "category": new.category});
        self.finish(tx, actor, &policy, ticket, "ticket.exclude", &detail)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn simple_event(
        &self,
        actor: &Actor,
        id: i64,
        change: TicketChange,
        public: bool,
        body: Option<String>,
        action: &str,
        check: impl Fn(&Ticket) -> Result<(), DeskError>,
    ) -> Result<TicketView, DeskError> {
        let mut tx = self.store.write().await?;
        let ticket = ticket_to_change(&mut tx, actor, id).await?;
        check(&ticket)?;
        let policy = self.policy_of(&mut tx, &ticket).await?;
        self.append(&mut tx, actor, &ticket, public, body, change)
            .await?;
        self.finish(tx, actor, &policy, ticket, action, &json!({}))
            .await
    }

    /// Ends a change: the ticket's last-change time, the audit entry, its SLA columns
    /// recomputed from the events, the commit, and the ticket as it now stands.
    async fn finish(
        &self,
        mut tx: crate::store::WriteTx,
        actor: &Actor,
        policy: &std::sync::Arc<sladesk_core::policy::Policy>,
        mut ticket: Ticket,
        action: &str,
        detail: &Value,
    ) -> Result<TicketView, DeskError> {
        let now = self.clock.now();
        ticket.updated_at = event_time(self.clock.now(), &ticket);
        audit::record(
            &mut tx,
            now.as_second(),
            actor.id(),
            actor.token_id,
            action,
            &format!("ticket:{}", ticket.id),
            detail,
        )
        .await?;
        let sla = refresh(&mut tx, policy, &mut ticket, now).await?;
        tx.commit().await?;
        Ok(TicketView {
            ticket,
            sla,
            policy: policy.clone(),
        })
    }

    /// Moves the status, records it and mails the customer (T5).
    async fn move_status(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        ticket: &mut Ticket,
        to: Status,
        reason: Option<&str>,
    ) -> Result<(), DeskError> {
        Transition::between(ticket.status, to)?;
        let change = TicketChange::Status {
            from: Some(ticket.status),
            to,
            reason: reason.map(String::from),
        };
        self.append(conn, actor, ticket, true, None, change).await?;
        ticket.status = to;
        ticket.updated_at = event_time(self.clock.now(), ticket);
        let t = ticket.clone();
        // The mail names the silence after which the ticket closes: the contract's own number.
        let working_days = self.policy_of(conn, &t).await?.auto_close.working_days;
        self.mail_requester(conn, &t, Topic::Status, |lang| {
            notify::status_changed(&t, to, working_days, lang, &self.public_url)
        })
        .await
    }

    /// Appends an event, never earlier than the ticket's last change (a wall clock that steps
    /// back must not reorder the log).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn append(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        ticket: &Ticket,
        public: bool,
        body: Option<String>,
        change: TicketChange,
    ) -> Result<i64, DeskError> {
        let event = TicketEvent {
            id: 0,
            ticket_id: ticket.id,
            at: event_time(self.clock.now(), ticket),
            actor_id: actor.id(),
            public,
            body,
            change,
        };
        Ok(tickets::insert_event(conn, &event).await?)
    }

    pub(super) async fn policy_of(
        &self,
        conn: &mut Conn,
        ticket: &Ticket,
    ) -> Result<std::sync::Arc<sladesk_core::policy::Policy>, DeskError> {
        let org = accounts::organization_by_id(conn, ticket.organization_id).await?;
        let contract = org.as_ref().and_then(|o| o.policy.as_deref());
        self.policy_of_ticket(conn, ticket, contract).await
    }
}

/// When a change to `ticket` happens: now, but never before its last change (clocks of
/// replicas may differ by a little; a ticket's history stays in order).
fn event_time(now: jiff::Timestamp, ticket: &Ticket) -> i64 {
    now.as_second().max(ticket.updated_at)
}

/// The ticket if it exists and the actor may see it; a foreign ticket is "not found".
pub(super) async fn visible_ticket(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> Result<Ticket, DeskError> {
    visible(actor, tickets::ticket_by_id(conn, id).await?)
}

/// `visible_ticket` in a write transaction, the ticket locked until it ends (see
/// `tickets::ticket_to_change`).
pub(super) async fn ticket_to_change(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> Result<Ticket, DeskError> {
    visible(actor, tickets::ticket_to_change(conn, id).await?)
}

fn visible(actor: &Actor, ticket: Option<Ticket>) -> Result<Ticket, DeskError> {
    match ticket {
        Some(ticket)
            if actor.sees_organization(ticket.organization_id)
                && (!ticket.confidential || actor.sees_confidential()) =>
        {
            Ok(ticket)
        }
        _ => Err(DeskError::NotFound(crate::desk::Thing::Ticket)),
    }
}
