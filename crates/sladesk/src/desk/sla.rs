//! A ticket's SLA, always from its event log: the timeline the engine evaluates, the derived
//! columns kept for lists and jobs, and the alerts (warnings, breaches, auto-close) that fall due.

use jiff::Timestamp;
use serde_json::json;
use sladesk_core::policy::Policy;
use sladesk_core::sla::{
    ClockState, Event, EventKind, Schedule, SlaReport, Timeline, evaluate_with_schedule,
};
use sladesk_core::tickets::{Priority, Status};

use super::{Desk, DeskError};
use crate::domain::accounts::Role;
use crate::domain::tickets::{SlaOutcome, Ticket, TicketChange, TicketEvent};
use crate::notify::{self, Alert};
use crate::store::accounts::{self};
use crate::store::tickets::{self};
use crate::store::{Conn, StoreError, outbox, preferences};

fn instant(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The SLA timeline of a ticket: staff replies are reactions; status and priority events move
/// the clocks. Everything else (notes, customer replies, calls) does not touch the SLA.
pub fn timeline_of(ticket: &Ticket, events: &[TicketEvent]) -> Result<Timeline, StoreError> {
    let mut timeline = Timeline {
        class: ticket.class,
        created_at: instant(ticket.created_at),
        events: Vec::new(),
        exclusions: Vec::new(),
    };
    for e in events.iter().filter(|e| e.ticket_id == ticket.id) {
        let kind = match &e.change {
            TicketChange::StaffReply {} if e.public => EventKind::Response,
            TicketChange::Status { to, .. } => EventKind::Status(*to),
            TicketChange::Priority { to, .. } => EventKind::Priority(*to),
            TicketChange::Exclusion {
                start,
                end,
                category,
            } => {
                timeline.exclusions.push(sladesk_core::sla::Exclusion {
                    start: instant(*start),
                    end: instant(*end),
                    category: crate::store::accounts::word(category),
                    reason: e.body.clone().unwrap_or_default(),
                });
                continue;
            }
            _ => continue,
        };
        timeline.events.push(Event {
            at: instant(e.at),
            kind,
        });
    }
    Ok(timeline)
}

/// The SLA of a ticket at `now`, with its schedule.
pub(crate) fn evaluate_ticket(
    policy: &Policy,
    ticket: &Ticket,
    events: &[TicketEvent],
    now: Timestamp,
) -> Result<(SlaReport, Schedule), DeskError> {
    let timeline = timeline_of(ticket, events)?;
    // Events are stored at whole seconds and never before the previous one, so `now` is never
    // before the last event; take the later of the two all the same.
    let last = timeline.events.last().map_or(timeline.created_at, |e| e.at);
    evaluate_with_schedule(policy, &timeline, now.max(last))
        .map_err(|e| DeskError::Store(StoreError::Corrupt(format!("ticket {}: {e}", ticket.id))))
}

/// An alert of the schedule: its key (unique per ticket and target) and when it falls due.
fn alerts(report: &SlaReport, schedule: &Schedule) -> Vec<(String, Timestamp)> {
    let reaction = report.reaction.target_seconds;
    let resolution = report.resolution.target_seconds;
    [
        (
            format!("reaction_warning:{reaction}"),
            schedule.reaction_warning_at,
        ),
        (
            format!("reaction_breach:{reaction}"),
            schedule.reaction_breach_at,
        ),
        (
            format!("resolution_warning:{resolution}"),
            schedule.resolution_warning_at,
        ),
        (
            format!("resolution_breach:{resolution}"),
            schedule.resolution_breach_at,
        ),
        (
            format!(
                "auto_close_reminder:{}",
                schedule.auto_close_at.map_or(0, |t| t.as_second())
            ),
            schedule.auto_close_reminder_at,
        ),
        (
            format!(
                "auto_close:{}",
                schedule.auto_close_at.map_or(0, |t| t.as_second())
            ),
            schedule.auto_close_at,
        ),
    ]
    .into_iter()
    .filter_map(|(key, at)| at.map(|at| (key, at)))
    .collect()
}

/// Recomputes the derived columns of a ticket (`breached_at`, `next_check_at`) from its events.
/// Call inside the transaction that changed the ticket, after writing its events.
pub(crate) async fn refresh(
    conn: &mut Conn,
    policy: &Policy,
    ticket: &mut Ticket,
    now: Timestamp,
) -> Result<SlaReport, DeskError> {
    let events = tickets::events_of(conn, ticket.id, false).await?;
    let sent = tickets::sent_alerts(conn, ticket.id).await?;
    let report = derive(policy, ticket, &events, &sent, now)?;
    tickets::update_ticket(conn, ticket).await?;
    Ok(report)
}

/// Sets the derived columns of `ticket` from its events and the alerts already sent, and
/// returns its SLA at `now`. Pure: the caller stores the ticket.
pub(crate) fn derive(
    policy: &Policy,
    ticket: &mut Ticket,
    events: &[TicketEvent],
    sent: &[String],
    now: Timestamp,
) -> Result<SlaReport, DeskError> {
    let (report, schedule) = evaluate_ticket(policy, ticket, events, now)?;
    apply(policy, ticket, events, &report, &schedule, sent);
    Ok(report)
}

/// An imported ticket's derived columns, its alerts whose moment passed before `now` counted
/// as sent: an import records history, it does not send last year's warnings now (nor close
/// for a silence it did not watch). Returns those alerts, to be stored as sent.
pub(crate) fn derive_history(
    policy: &Policy,
    ticket: &mut Ticket,
    events: &[TicketEvent],
    now: Timestamp,
) -> Result<Vec<String>, DeskError> {
    let (report, schedule) = evaluate_ticket(policy, ticket, events, now)?;
    let past: Vec<String> = if ticket.outside_sla {
        Vec::new()
    } else {
        alerts(&report, &schedule)
            .into_iter()
            .filter(|(_, at)| *at <= now)
            .map(|(key, _)| key)
            .collect()
    };
    apply(policy, ticket, events, &report, &schedule, &past);
    Ok(past)
}

/// Sets the derived columns from an evaluation.
fn apply(
    policy: &Policy,
    ticket: &mut Ticket,
    events: &[TicketEvent],
    report: &SlaReport,
    schedule: &Schedule,
    sent: &[String],
) {
    if ticket.outside_sla {
        // Custom work (C3): no clocks, so nothing falls due, nothing is checked or closed for
        // silence, and no report counts it.
        ticket.breached_at = None;
        ticket.next_check_at = None;
        ticket.due_at = None;
        ticket.outcome = SlaOutcome::default();
        return;
    }
    ticket.breached_at = schedule.breached_at.map(|t| t.as_second());
    ticket.next_check_at = alerts(report, schedule)
        .into_iter()
        .filter(|(key, _)| !sent.iter().any(|s| s == key))
        .map(|(_, at)| at.as_second())
        .min();
    ticket.due_at = nearest_deadline(report, ticket.status);
    ticket.outcome = outcome(policy, ticket, events, report);
}

/// S3: what the clocks came to, as the monthly report counts it. The closing that stands is the
/// last move to Closed of a ticket that is closed now; the band is the first line of the
/// ticket's own indicative table ("90 % within 8 h") its resolution falls within.
pub(crate) fn outcome(
    policy: &Policy,
    ticket: &Ticket,
    events: &[TicketEvent],
    report: &SlaReport,
) -> SlaOutcome {
    if ticket.outside_sla {
        return SlaOutcome::default();
    }
    let resolved_at = (ticket.status == Status::Closed)
        .then(|| {
            events.iter().rev().find_map(|e| match e.change {
                TicketChange::Status {
                    to: Status::Closed, ..
                } => Some(e.at),
                _ => None,
            })
        })
        .flatten();
    let resolution_seconds = (report.resolution.state == ClockState::Stopped)
        .then_some(report.resolution.elapsed_seconds);
    let table = &policy.targets(ticket.priority).indicative_resolution;
    let resolution_band = resolution_seconds.map(|seconds| {
        table
            .iter()
            .position(|&(_, within)| seconds <= within)
            .unwrap_or(table.len()) as i64
    });
    SlaOutcome {
        reaction_seconds: report
            .reaction
            .met_at
            .map(|_| report.reaction.elapsed_seconds),
        reaction_target_seconds: Some(report.reaction.target_seconds),
        reaction_due_at: Some(report.reaction.due_at.as_second()),
        resolved_at: resolved_at.filter(|_| resolution_seconds.is_some()),
        resolution_seconds: resolution_seconds.filter(|_| resolved_at.is_some()),
        resolution_target_seconds: Some(report.resolution.target_seconds),
        resolution_band: resolution_band.filter(|_| resolved_at.is_some()),
        filed_month: Some(month_key(policy, ticket.created_at)),
        resolved_month: resolved_at
            .filter(|_| resolution_seconds.is_some())
            .map(|at| month_key(policy, at)),
    }
}

/// The calendar month of a moment in the policy's time zone, as yyyymm (`202610`).
fn month_key(policy: &Policy, at: i64) -> i64 {
    let date = Timestamp::from_second(at)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(policy.availability.time_zone.clone())
        .date();
    i64::from(date.year()) * 100 + i64::from(date.month())
}

/// The deadline the desk works towards now: the reaction while nobody answered, else the
/// resolution while its clock runs. A paused or stopped ticket has none.
fn nearest_deadline(report: &SlaReport, status: Status) -> Option<i64> {
    let reaction = (report.reaction.met_at.is_none() && status != Status::Closed)
        .then_some(report.reaction.due_at);
    let resolution = (report.resolution.state == ClockState::Running)
        .then_some(report.resolution.due_at)
        .flatten();
    reaction
        .into_iter()
        .chain(resolution)
        .min()
        .map(|t| t.as_second())
}

/// What a mail to a customer is about, for their notification preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Status,
    Reply,
    /// Notices the contract relies on (the auto-close reminder and closing): always sent.
    Always,
}

/// What one SLA check of a ticket did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AlertOutcome {
    pub alerts_sent: usize,
    pub closed: bool,
}

impl Desk {
    /// Sends the alerts of a claimed ticket that have fallen due and were never sent (each once,
    /// whatever the number of replicas: the alert's row is the proof), closes it if its
    /// customer stayed silent too long, and schedules its next check.
    pub async fn check_ticket(
        &self,
        ticket_id: i64,
        now: Timestamp,
    ) -> Result<AlertOutcome, DeskError> {
        let mut tx = self.store.write().await?;
        let mut outcome = AlertOutcome::default();
        let Some(mut ticket) = tickets::ticket_to_change(&mut tx, ticket_id)
            .await?
            .filter(|t| !t.outside_sla)
        else {
            return Ok(outcome);
        };
        let org = accounts::organization_by_id(&mut tx, ticket.organization_id).await?;
        let contract = org.as_ref().and_then(|o| o.policy.as_deref());
        let policy = self.policy_of_ticket(&mut tx, &ticket, contract).await?;
        let events = tickets::events_of(&mut tx, ticket.id, false).await?;
        let (report, schedule) = evaluate_ticket(&policy, &ticket, &events, now)?;
        let sent = tickets::sent_alerts(&mut tx, ticket.id).await?;
        for (key, at) in alerts(&report, &schedule) {
            if at > now
                || sent.contains(&key)
                || !tickets::record_alert(&mut tx, ticket.id, &key, now.as_second()).await?
            {
                continue;
            }
            outcome.alerts_sent += 1;
            let kind = key.split(':').next().unwrap_or_default();
            match kind {
                "auto_close_reminder" => {
                    if let Some(close_at) = schedule.auto_close_at {
                        self.mail_requester(&mut tx, &ticket, Topic::Always, |lang| {
                            notify::auto_close_reminder(&ticket, close_at, lang, &self.public_url)
                        })
                        .await?;
                    }
                }
                "auto_close" => {
                    if ticket.status == policy.auto_close.status {
                        let days = policy.auto_close.working_days;
                        self.close_for_silence(&mut tx, &mut ticket, now, days)
                            .await?;
                        outcome.closed = true;
                    }
                }
                _ => {
                    let (alert, due) = match kind {
                        "reaction_warning" => {
                            (Alert::ReactionWarning, Some(report.reaction.due_at))
                        }
                        "reaction_breach" => (Alert::ReactionBreach, Some(report.reaction.due_at)),
                        "resolution_warning" => {
                            (Alert::ResolutionWarning, report.resolution.due_at)
                        }
                        _ => (Alert::ResolutionBreach, report.resolution.due_at),
                    };
                    self.mail_line(&mut tx, &ticket, |lang| {
                        notify::sla_alert(
                            &ticket,
                            alert,
                            due,
                            policy.warning_share_percent,
                            lang,
                            &self.public_url,
                        )
                    })
                    .await?;
                }
            }
        }
        refresh(&mut tx, &policy, &mut ticket, now).await?;
        tickets::release_check(&mut tx, ticket.id).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// T7: closing administratively after the customer's silence.
    async fn close_for_silence(
        &self,
        conn: &mut Conn,
        ticket: &mut Ticket,
        now: Timestamp,
        working_days: u32,
    ) -> Result<(), DeskError> {
        let from = ticket.status;
        let at = now.as_second().max(ticket.updated_at);
        let event = TicketEvent {
            id: 0,
            ticket_id: ticket.id,
            at,
            actor_id: None,
            public: true,
            body: None,
            change: TicketChange::Status {
                from: Some(from),
                to: Status::Closed,
                reason: Some("auto_close".into()),
            },
        };
        sladesk_core::tickets::Transition::between(from, Status::Closed)?;
        tickets::insert_event(conn, &event).await?;
        ticket.status = Status::Closed;
        ticket.updated_at = at;
        tickets::update_ticket(conn, ticket).await?;
        crate::store::audit::record(
            conn,
            at,
            None,
            None,
            "ticket.auto_close",
            &format!("ticket:{}", ticket.id),
            &json!({}),
        )
        .await?;
        let closed = ticket.clone();
        self.mail_requester(conn, &closed, Topic::Always, |lang| {
            notify::auto_closed(&closed, working_days, lang, &self.public_url)
        })
        .await
    }

    /// Queues a mail to the ticket's requester, in their language, unless they chose not to
    /// hear about this topic.
    pub(crate) async fn mail_requester(
        &self,
        conn: &mut Conn,
        ticket: &Ticket,
        topic: Topic,
        write: impl Fn(sladesk_core::text::Language) -> notify::Mail,
    ) -> Result<(), DeskError> {
        self.mail_requester_with_files(conn, ticket, topic, &[], write)
            .await
    }

    /// As `mail_requester`, the mail carrying these files (attachment ids).
    pub(crate) async fn mail_requester_with_files(
        &self,
        conn: &mut Conn,
        ticket: &Ticket,
        topic: Topic,
        files: &[i64],
        write: impl Fn(sladesk_core::text::Language) -> notify::Mail,
    ) -> Result<(), DeskError> {
        let wanted = match topic {
            Topic::Always => true,
            Topic::Status | Topic::Reply => {
                let preferences = preferences::preferences_of(conn, ticket.requester_id).await?;
                match topic {
                    Topic::Status => preferences.mail_status,
                    _ => preferences.mail_replies,
                }
            }
        };
        if !wanted {
            return Ok(());
        }
        // Someone who was deactivated has left: mail to them would only bounce.
        if let Some(requester) = accounts::user_by_id(conn, ticket.requester_id)
            .await?
            .filter(|u| u.disabled_at.is_none())
        {
            let mail = write(requester.language);
            let queued = outbox::enqueue(
                conn,
                &requester.email,
                &mail.subject,
                &mail.body,
                Some(ticket.id),
                self.clock.now().as_second(),
            )
            .await?;
            if !files.is_empty() {
                outbox::attach_files(conn, queued, files).await?;
            }
        }
        Ok(())
    }

    /// Queues a mail to whoever works the ticket: its assignee, or else everyone on its line
    /// (the SaaS team for platform outages and vulnerability reports).
    pub(super) async fn mail_line(
        &self,
        conn: &mut Conn,
        ticket: &Ticket,
        write: impl Fn(sladesk_core::text::Language) -> notify::Mail,
    ) -> Result<(), DeskError> {
        let recipients = match ticket.assignee_id {
            Some(id) => accounts::user_by_id(conn, id).await?.into_iter().collect(),
            None => {
                let role = if ticket.priority == Priority::SaasOutage || ticket.confidential {
                    Role::SaasTeam
                } else {
                    Role::for_line(ticket.line)
                };
                accounts::staff_with_role(conn, role).await?
            }
        };
        for person in recipients {
            let mail = write(person.language);
            outbox::enqueue(
                conn,
                &person.email,
                &mail.subject,
                &mail.body,
                Some(ticket.id),
                self.clock.now().as_second(),
            )
            .await?;
        }
        Ok(())
    }
}
