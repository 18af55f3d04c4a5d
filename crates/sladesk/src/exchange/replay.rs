//! A ticket of a data set replayed as sladesk would have lived it: its events in order, each
//! checked against the state the ones before it left (T7's moves, the line it was escalated
//! from, the priority it changed from), giving what the ticket is now. Pure: the SLA columns
//! are derived afterwards by the engine, from these same events.

use sladesk_core::tickets::{Priority, Status, Transition};

use super::problem::{Problem, Rule};
use crate::domain::exchange::{EventChange, TicketLine};
use crate::domain::tickets::{SlaOutcome, Ticket, TicketChange, TicketEvent};
use crate::store::accounts::word;

/// A replayed ticket: its row (without the SLA columns) and its events, ids not yet given.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
}

/// Replays `line`. `person` gives the id here of a person's external id (any id will do while
/// only checking); `organization_id`, `requester_id` and `policy_version` are already resolved.
pub fn replay(
    line: &TicketLine,
    organization_id: i64,
    requester_id: i64,
    policy_version: &str,
    person: &dyn Fn(&str) -> Option<i64>,
) -> Result<Replayed, Problem> {
    let created_at = line.created_at.as_second();
    let Some(first) = line.events.first() else {
        return Err(Problem::FirstEventNotCreated);
    };
    let Ok(EventChange::Created {
        ticket_type,
        priority,
        environment,
        product,
        ..
    }) = first.change()
    else {
        return Err(Problem::FirstEventNotCreated);
    };
    let mut ticket = Ticket {
        id: 0,
        organization_id,
        requester_id,
        ticket_type,
        class: priority,
        priority,
        triaged: false,
        environment,
        product: product.clone(),
        subject: line.subject.clone(),
        description: line.description.clone(),
        status: Status::New,
        line: if line.confidential { 0 } else { 1 },
        assignee_id: None,
        policy_version: policy_version.to_string(),
        created_at,
        updated_at: created_at,
        breached_at: None,
        next_check_at: None,
        due_at: None,
        confidential: line.confidential,
        outside_sla: false,
        outcome: SlaOutcome::default(),
    };
    let mut events = Vec::with_capacity(line.events.len());
    let mut previous = created_at;
    for (index, event) in line.events.iter().enumerate() {
        let number = index + 1;
        let field = |name: &str| format!("events[{index}].{name}");
        let at = event.at.as_second();
        if at < created_at {
            return Err(Problem::BeforeCreation { event: number });
        }
        if at < previous {
            return Err(Problem::OutOfOrder { event: number });
        }
        previous = at;
        let change = event.change().map_err(|e| {
            if EventKinds::known(&event.kind) {
                Problem::Field {
                    field: field("data"),
                    detail: e.to_string(),
                }
            } else {
                Problem::Field {
                    field: field("kind"),
                    detail: e.to_string(),
                }
            }
        })?;
        let resolve = |name: &str, id: &Option<String>| -> Result<Option<i64>, Problem> {
            match id {
                None => Ok(None),
                Some(id) => person(id).map(Some).ok_or(Problem::UnknownReference {
                    field: field(name),
                    id: id.clone(),
                }),
            }
        };
        let actor_id = resolve("actor", &event.actor)?;
        let stored = match &change {
            EventChange::Created {
                ticket_type,
                priority,
                environment,
                product,
                urgency,
            } => {
                if index > 0 {
                    return Err(Problem::Rule {
                        field: field("kind"),
                        rule: Rule::CreatedOnce,
                    });
                }
                TicketChange::Created {
                    ticket_type: Some(*ticket_type),
                    priority: Some(*priority),
                    environment: Some(*environment),
                    product: Some(product.clone()),
                    urgency: *urgency,
                }
            }
            _ if index == 0 => return Err(Problem::FirstEventNotCreated),
            EventChange::StaffReply {} => TicketChange::StaffReply {},
            EventChange::CustomerReply {} => TicketChange::CustomerReply {},
            EventChange::InternalNote {} => TicketChange::InternalNote {},
            EventChange::PhoneCall {} => TicketChange::PhoneCall {},
            EventChange::PriorityDispute {} => TicketChange::PriorityDispute {},
            EventChange::Status { from, to, reason } => {
                stated(number, "from", *from, ticket.status)?;
                Transition::between(ticket.status, *to).map_err(|_| Problem::IllegalMove {
                    event: number,
                    from: word(&ticket.status),
                    to: word(to),
                })?;
                let from = ticket.status;
                ticket.status = *to;
                TicketChange::Status {
                    from: Some(from),
                    to: *to,
                    reason: reason.clone(),
                }
            }
            EventChange::Priority { from, to, reason } => {
                stated(number, "from", *from, ticket.priority)?;
                let from = ticket.priority;
                ticket.priority = *to;
                ticket.triaged = true;
                TicketChange::Priority {
                    from: Some(from),
                    to: *to,
                    reason: reason.clone(),
                }
            }
            EventChange::Escalation { from, to, reason } => {
                stated(number, "from", Some(*from), ticket.line)?;
                if !(1..=3).contains(to) {
                    return Err(Problem::Rule {
                        field: field("data.to"),
                        rule: Rule::SupportLine,
                    });
                }
                ticket.line = *to;
                TicketChange::Escalation {
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                }
            }
            EventChange::Assignment { from, to } => {
                let from_id = resolve("data.from", from)?;
                if from.is_some() {
                    stated(number, "from", Some(from_id), ticket.assignee_id)?;
                }
                let to = resolve("data.to", to)?;
                let from = ticket.assignee_id;
                ticket.assignee_id = to;
                TicketChange::Assignment { from, to }
            }
            EventChange::TypeChange { from, to } => {
                stated(number, "from", *from, ticket.ticket_type)?;
                let from = ticket.ticket_type;
                ticket.ticket_type = *to;
                TicketChange::TypeChange {
                    from: Some(from),
                    to: *to,
                }
            }
            EventChange::Exclusion {
                start,
                end,
                category,
            } => {
                if end <= start {
                    return Err(Problem::EndsBeforeStart {
                        field: field("data"),
                    });
                }
                TicketChange::Exclusion {
                    start: start.as_second(),
                    end: end.as_second(),
                    category: *category,
                }
            }
            EventChange::SlaScope { outside_sla } => {
                ticket.outside_sla = *outside_sla;
                TicketChange::SlaScope {
                    outside_sla: *outside_sla,
                }
            }
        };
        let body = match (&stored, &event.body) {
            // A ticket's description is its creation's body (as when it is filed here).
            (TicketChange::Created { .. }, None) => Some(line.description.clone()),
            _ => event.body.clone(),
        };
        events.push(TicketEvent {
            id: 0,
            ticket_id: 0,
            at,
            actor_id,
            public: event.public.unwrap_or_else(|| change.public_by_default()),
            body,
            change: stored,
        });
    }
    ticket.updated_at = previous;
    if let Some(triaged) = line.triaged {
        ticket.triaged = triaged;
    }
    // An outage ticket is filed at its priority by monitoring, and one filed by staff with a
    // priority is triaged at once (T4): both as sladesk does.
    if ticket.class == Priority::SaasOutage && line.triaged.is_none() {
        ticket.triaged = true;
    }
    Ok(Replayed { ticket, events })
}

/// An event's stated `from` must be what the ticket was.
fn stated<T: PartialEq + serde::Serialize>(
    event: usize,
    field: &'static str,
    stated: Option<T>,
    actual: T,
) -> Result<(), Problem> {
    match stated {
        Some(stated) if stated != actual => Err(Problem::WrongFrom {
            event,
            field,
            stated: shown(&stated),
            actual: shown(&actual),
        }),
        _ => Ok(()),
    }
}

fn shown<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The event kinds of the format, to tell a bad kind from bad fields of a known one.
struct EventKinds;

impl EventKinds {
    const ALL: [&'static str; 13] = [
        "created",
        "staff_reply",
        "customer_reply",
        "internal_note",
        "phone_call",
        "status",
        "priority",
        "priority_dispute",
        "escalation",
        "assignment",
        "type_change",
        "exclusion",
        "sla_scope",
    ];

    fn known(kind: &str) -> bool {
        Self::ALL.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::exchange::EventLine;
    use jiff::Timestamp;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn event(when: &str, change: EventChange) -> EventLine {
        EventLine::new(at(when), &change)
    }

    fn ticket(events: Vec<EventLine>) -> TicketLine {
        TicketLine {
            id: "t-1".into(),
            number: None,
            organization: "o-1".into(),
            requester: "p-1".into(),
            subject: "Koppeling faalt".into(),
            description: "Sinds vanochtend".into(),
            created_at: at("2026-03-02T09:00:00+01:00"),
            policy_version: None,
            confidential: false,
            triaged: None,
            events,
        }
    }

    fn created() -> EventLine {
        event(
            "2026-03-02T09:00:00+01:00",
            EventChange::Created {
                ticket_type: sladesk_core::tickets::TicketType::Incident,
                priority: Priority::Normal,
                environment: sladesk_core::tickets::Environment::Production,
                product: "Connect".into(),
                urgency: None,
            },
        )
    }

    fn people(id: &str) -> Option<i64> {
        (id == "p-1" || id == "agent").then_some(7)
    }

    #[test]
    fn the_events_give_the_ticket_its_state_now() {
        let mut reply = event("2026-03-02T10:00:00+01:00", EventChange::StaffReply {});
        reply.actor = Some("agent".into());
        let line = ticket(vec![
            created(),
            event(
                "2026-03-02T09:30:00+01:00",
                EventChange::Priority {
                    from: None,
                    to: Priority::High,
                    reason: Some("impact".into()),
                },
            ),
            reply,
            event(
                "2026-03-02T10:05:00+01:00",
                EventChange::Status {
                    from: Some(Status::New),
                    to: Status::InProgress,
                    reason: None,
                },
            ),
            event(
                "2026-03-02T11:00:00+01:00",
                EventChange::Assignment {
                    from: None,
                    to: Some("agent".into()),
                },
            ),
        ]);
        let replayed = replay(&line, 1, 2, "basis", &people).unwrap();
        let t = &replayed.ticket;
        assert_eq!(
            (t.class, t.priority, t.status, t.assignee_id, t.triaged),
            (
                Priority::Normal,
                Priority::High,
                Status::InProgress,
                Some(7),
                true
            )
        );
        assert_eq!(t.updated_at, at("2026-03-02T11:00:00+01:00").as_second());
        assert_eq!(replayed.events.len(), 5);
        assert!(
            !replayed.events[4].public,
            "an assignment is not the customer's"
        );
        assert_eq!(replayed.events[0].body.as_deref(), Some("Sinds vanochtend"));
        assert_eq!(replayed.events[2].actor_id, Some(7));
    }

    #[test]
    fn a_move_t7_does_not_allow_is_refused_with_its_event() {
        let line = ticket(vec![
            created(),
            event(
                "2026-03-02T09:30:00+01:00",
                EventChange::Status {
                    from: None,
                    to: Status::WaitingForDevelopment,
                    reason: None,
                },
            ),
        ]);
        assert_eq!(
            replay(&line, 1, 2, "basis", &people),
            Err(Problem::IllegalMove {
                event: 2,
                from: "new".into(),
                to: "waiting_for_development".into()
            })
        );
    }

    #[test]
    fn events_before_the_creation_out_of_order_or_naming_strangers_are_refused() {
        let early = ticket(vec![
            created(),
            event("2026-03-02T08:59:59+01:00", EventChange::StaffReply {}),
        ]);
        assert_eq!(
            replay(&early, 1, 2, "basis", &people),
            Err(Problem::BeforeCreation { event: 2 })
        );
        let unordered = ticket(vec![
            created(),
            event("2026-03-02T10:00:00+01:00", EventChange::StaffReply {}),
            event("2026-03-02T09:10:00+01:00", EventChange::CustomerReply {}),
        ]);
        assert_eq!(
            replay(&unordered, 1, 2, "basis", &people),
            Err(Problem::OutOfOrder { event: 3 })
        );
        let mut stranger = event("2026-03-02T10:00:00+01:00", EventChange::StaffReply {});
        stranger.actor = Some("nobody".into());
        assert_eq!(
            replay(&ticket(vec![created(), stranger]), 1, 2, "basis", &people),
            Err(Problem::UnknownReference {
                field: "events[1].actor".into(),
                id: "nobody".into()
            })
        );
        let no_creation = ticket(vec![event(
            "2026-03-02T09:00:00+01:00",
            EventChange::StaffReply {},
        )]);
        assert_eq!(
            replay(&no_creation, 1, 2, "basis", &people),
            Err(Problem::FirstEventNotCreated)
        );
    }

    #[test]
    fn a_stated_from_that_is_not_what_the_ticket_was_is_refused() {
        let line = ticket(vec![
            created(),
            event(
                "2026-03-02T09:30:00+01:00",
                EventChange::Escalation {
                    from: 2,
                    to: 3,
                    reason: None,
                },
            ),
        ]);
        assert_eq!(
            replay(&line, 1, 2, "basis", &people),
            Err(Problem::WrongFrom {
                event: 2,
                field: "from",
                stated: "2".into(),
                actual: "1".into()
            })
        );
    }
}
