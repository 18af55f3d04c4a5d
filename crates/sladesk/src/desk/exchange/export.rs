//! `sladesk export`: the desk (or one customer's part of it) as a data set, streamed. Tickets
//! are read a page at a time, so memory does not grow with the desk; the whole export reads
//! one snapshot (a repeatable-read transaction on PostgreSQL, a read transaction on SQLite), so
//! a server that keeps working meanwhile never makes it name a ticket it does not hold.

use std::collections::HashSet;
use std::io::Write;

use jiff::Timestamp;
use sqlx::Connection;

use super::super::Desk;
use crate::domain::exchange::{
    AuditLine, EventChange, EventLine, FORMAT, Header, Line, SMALL_KINDS, TicketLine, VERSION,
};
use crate::domain::ticket_number;
use crate::domain::tickets::{Ticket, TicketChange, TicketEvent};
use crate::exchange::ExchangeError;
use crate::store::exchange::{self as store, Names};
use crate::store::{Dialect, StoreError};

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportScope {
    /// One customer's data (GDPR art. 20): its organisation, people, tickets, components, the
    /// staff its tickets name, and the audit entries about them.
    pub organization: Option<i64>,
    /// Tickets changed, audit entries and availability records from this moment on.
    pub since: Option<Timestamp>,
    /// Password hashes and TOTP secrets (for a move of the whole desk).
    pub with_secrets: bool,
}

/// How many objects of each kind went out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub organizations: u64,
    pub people: u64,
    pub tickets: u64,
    pub events: u64,
    pub audit: u64,
    pub availability: u64,
}

const PAGE: i64 = 2_000;

impl Desk {
    /// Writes the data set to `out`; `progress` hears of every page of tickets.
    pub async fn export(
        &self,
        scope: &ExportScope,
        out: &mut dyn Write,
        progress: &dyn Fn(u64),
    ) -> Result<ExportSummary, ExchangeError> {
        let desk = {
            let mut tx = self.store.write().await?;
            let made =
                &crate::secrets::hex::<4>().map_err(|e| ExchangeError::Fault(e.to_string()))?;
            let name = store::desk_name(&mut tx, made).await?;
            tx.commit().await?;
            name
        };
        let mut conn = self.store.read().await?;
        let mut tx = conn.begin().await?;
        if self.store.dialect == Dialect::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let mut names = Names {
            desk,
            ..Names::default()
        };
        for kind in SMALL_KINDS {
            names
                .imported
                .insert(kind, store::external_ids_of(&mut tx, kind).await?);
        }
        let mut summary = ExportSummary::default();
        let mut put = |line: &Line| -> Result<(), ExchangeError> {
            serde_json::to_writer(&mut *out, line)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|source| ExchangeError::Io {
                    what: "writing the data set".into(),
                    source,
                })
        };
        let organizations = store::organization_lines(&mut tx, scope.organization, &names).await?;
        if let Some(id) = scope.organization
            && organizations.is_empty()
        {
            return Err(ExchangeError::NoOrganization(id));
        }
        put(&Line::Header(Header {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: self.clock.now(),
            organization: scope.organization.map(|id| names.of("organization", id)),
            since: scope.since,
            with_secrets: scope.with_secrets,
        }))?;
        for version in store::policy_version_lines(&mut tx).await? {
            put(&Line::PolicyVersion(version))?;
        }
        for (_, organization) in organizations {
            put(&Line::Organization(organization))?;
            summary.organizations += 1;
        }
        let staff = match scope.organization {
            Some(id) => store::staff_of_organization(&mut tx, id).await?,
            None => HashSet::new(),
        };
        let people = store::person_lines(
            &mut tx,
            scope.organization,
            &staff,
            scope.with_secrets,
            &names,
        )
        .await?;
        // A customer's export: the external ids of what it holds, which its audit entries and
        // outages may name.
        let mut here: HashSet<String> = people.iter().map(|p| p.id.clone()).collect();
        if let Some(id) = scope.organization {
            here.insert(names.of("organization", id));
        }
        for person in people {
            put(&Line::Person(person))?;
            summary.people += 1;
        }
        let since = scope.since.map(|t| t.as_second());
        let mut after = 0;
        loop {
            let page =
                store::tickets_after(&mut tx, after, PAGE, scope.organization, since).await?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else {
                break;
            };
            let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
            let ticket_names = store::external_ids_of_some(&mut tx, "ticket", &ids).await?;
            let events = store::events_between(&mut tx, first.id, last.id).await?;
            let mut rest = events.as_slice();
            for ticket in &page {
                // Events of tickets between this page's (another organisation's, or not
                // changed since) are passed over.
                let skip = rest
                    .iter()
                    .position(|e| e.ticket_id >= ticket.id)
                    .unwrap_or(rest.len());
                rest = &rest[skip..];
                let split = rest
                    .iter()
                    .position(|e| e.ticket_id != ticket.id)
                    .unwrap_or(rest.len());
                let (own, later) = rest.split_at(split);
                rest = later;
                let id = ticket_names
                    .get(&ticket.id)
                    .cloned()
                    .unwrap_or_else(|| names.of("ticket", ticket.id));
                let line = ticket_line(ticket, own, id.clone(), &names);
                summary.events += line.events.len() as u64;
                if scope.organization.is_some() {
                    here.insert(id.clone());
                }
                put(&Line::Ticket(Box::new(line)))?;
                summary.tickets += 1;
            }
            after = last.id;
            progress(summary.tickets);
        }
        let mut after = 0;
        loop {
            let page = store::audit_after(&mut tx, after, since.unwrap_or(i64::MIN), PAGE).await?;
            let Some(&(last, _, _)) = page.last() else {
                break;
            };
            let referred: Vec<i64> = page
                .iter()
                .filter_map(|(_, _, a)| subject_of(&a.subject).filter(|(k, _)| *k == "ticket"))
                .map(|(_, id)| id)
                .collect();
            let ticket_names = store::external_ids_of_some(&mut tx, "ticket", &referred).await?;
            for (id, actor, mut entry) in page {
                let refers_to = subject_of(&entry.subject).map(|(kind, local)| match kind {
                    "ticket" => ticket_names
                        .get(&local)
                        .cloned()
                        .unwrap_or_else(|| names.of("ticket", local)),
                    other => names.of(other, local),
                });
                entry.id = names.of("audit", id);
                entry.actor = names.of_some("person", actor);
                entry.refers_to = refers_to;
                if scope.organization.is_some() && !in_scope(&entry, &here) {
                    continue;
                }
                put(&Line::Audit(entry))?;
                summary.audit += 1;
            }
            after = last;
        }
        let components = store::component_lines(&mut tx, scope.organization, &names).await?;
        let ids: Vec<i64> = components.iter().map(|(id, _)| *id).collect();
        for (_, component) in components {
            put(&Line::Component(component))?;
            summary.availability += 1;
        }
        let opened = store::outage_tickets(&mut tx).await?;
        let opened = store::external_ids_of_some(&mut tx, "ticket", &opened).await?;
        names.imported.insert("ticket", opened);
        let (monitors, outages, windows, exclusions) =
            store::availability_lines(&mut tx, &ids, since.unwrap_or(i64::MIN), &names).await?;
        let mut lines: Vec<Line> = Vec::new();
        lines.extend(monitors.into_iter().map(Line::Monitor));
        lines.extend(outages.into_iter().map(|mut outage| {
            // A customer's export names only its own tickets.
            if scope.organization.is_some()
                && outage.ticket.as_ref().is_some_and(|t| !here.contains(t))
            {
                outage.ticket = None;
            }
            Line::Outage(outage)
        }));
        lines.extend(windows.into_iter().map(Line::Maintenance));
        lines.extend(exclusions.into_iter().map(Line::Exclusion));
        for line in &lines {
            put(line)?;
            summary.availability += 1;
        }
        tx.commit().await.map_err(StoreError::from)?;
        out.flush().map_err(|source| ExchangeError::Io {
            what: "writing the data set".into(),
            source,
        })?;
        Ok(summary)
    }
}

/// A ticket with its events, people named by external id. Proposals (billing) are not part of
/// format 1, nor are their events.
fn ticket_line(ticket: &Ticket, events: &[TicketEvent], id: String, names: &Names) -> TicketLine {
    let person = |id: Option<i64>| names.of_some("person", id);
    let events = events
        .iter()
        .filter_map(|e| {
            let change = match &e.change {
                TicketChange::Created {
                    ticket_type,
                    priority,
                    environment,
                    product,
                    urgency,
                } => EventChange::Created {
                    ticket_type: ticket_type.unwrap_or(ticket.ticket_type),
                    priority: priority.unwrap_or(ticket.class),
                    environment: environment.unwrap_or(ticket.environment),
                    product: product.clone().unwrap_or_else(|| ticket.product.clone()),
                    urgency: *urgency,
                },
                TicketChange::StaffReply {} => EventChange::StaffReply {},
                TicketChange::CustomerReply {} => EventChange::CustomerReply {},
                TicketChange::InternalNote {} => EventChange::InternalNote {},
                TicketChange::PhoneCall {} => EventChange::PhoneCall {},
                TicketChange::PriorityDispute {} => EventChange::PriorityDispute {},
                TicketChange::Status { from, to, reason } => EventChange::Status {
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                },
                TicketChange::Priority { from, to, reason } => EventChange::Priority {
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                },
                TicketChange::Escalation { from, to, reason } => EventChange::Escalation {
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                },
                TicketChange::Assignment { from, to } => EventChange::Assignment {
                    from: person(*from),
                    to: person(*to),
                },
                TicketChange::TypeChange { from, to } => EventChange::TypeChange {
                    from: *from,
                    to: *to,
                },
                TicketChange::Exclusion {
                    start,
                    end,
                    category,
                } => EventChange::Exclusion {
                    start: Timestamp::from_second(*start).unwrap_or(Timestamp::UNIX_EPOCH),
                    end: Timestamp::from_second(*end).unwrap_or(Timestamp::UNIX_EPOCH),
                    category: *category,
                },
                TicketChange::SlaScope { outside_sla } => EventChange::SlaScope {
                    outside_sla: *outside_sla,
                },
                TicketChange::Proposal { .. } => return None,
            };
            let mut line = EventLine::new(
                Timestamp::from_second(e.at).unwrap_or(Timestamp::UNIX_EPOCH),
                &change,
            );
            line.actor = person(e.actor_id);
            line.public = Some(e.public);
            line.body = e.body.clone();
            Some(line)
        })
        .collect();
    TicketLine {
        id,
        number: Some(ticket_number(ticket.id)),
        organization: names.of("organization", ticket.organization_id),
        requester: names.of("person", ticket.requester_id),
        subject: ticket.subject.clone(),
        description: ticket.description.clone(),
        created_at: Timestamp::from_second(ticket.created_at).unwrap_or(Timestamp::UNIX_EPOCH),
        policy_version: Some(ticket.policy_version.clone()),
        confidential: ticket.confidential,
        triaged: Some(ticket.triaged),
        events,
    }
}

/// The kind and id of an audit subject that names an object of the format (`ticket:12`).
fn subject_of(subject: &str) -> Option<(&'static str, i64)> {
    let (kind, id) = subject.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    let kind = match kind {
        "ticket" => "ticket",
        "user" => "person",
        "organization" => "organization",
        "component" => "component",
        "monitor" => "monitor",
        "outage" => "outage",
        "maintenance" => "maintenance",
        _ => return None,
    };
    Some((kind, id))
}

/// Whether a customer's export holds an audit entry: done by one of its people, or about
/// its organisation, one of its people or tickets.
fn in_scope(entry: &AuditLine, here: &HashSet<String>) -> bool {
    let by_them = entry.actor.as_ref().is_some_and(|a| here.contains(a));
    let about_them = entry.refers_to.as_ref().is_some_and(|r| here.contains(r));
    by_them || about_them
}
