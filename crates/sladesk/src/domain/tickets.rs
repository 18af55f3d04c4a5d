//! Tickets and their event log, as every layer speaks of them; `store::tickets` maps them to
//! rows. The event log is the truth: a ticket's SLA is always evaluated from it.

use serde_json::Value;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    pub organization_id: i64,
    pub requester_id: i64,
    pub ticket_type: TicketType,
    /// The priority the ticket was created with: the class of its SLA timeline.
    pub class: Priority,
    pub priority: Priority,
    /// Whether the first line has set the priority (T4, T6).
    pub triaged: bool,
    pub environment: Environment,
    pub product: String,
    pub subject: String,
    pub description: String,
    pub status: Status,
    pub line: i64,
    pub assignee_id: Option<i64>,
    pub policy_version: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub breached_at: Option<i64>,
    pub next_check_at: Option<i64>,
    /// The nearest deadline of a running clock; `None` while all clocks are paused or stopped.
    pub due_at: Option<i64>,
    /// X3: a vulnerability report, seen only by admins and the SaaS team, on no support line.
    pub confidential: bool,
    /// Custom work (maatwerk, C3): outside the SLA entirely, so no clocks run, nothing is
    /// due, and no report counts it.
    pub outside_sla: bool,
    /// S3: what the SLA clocks came to, derived from the events with the columns above.
    pub outcome: SlaOutcome,
}

/// A ticket's SLA outcome as the monthly report counts it (S3): derived from its events in the
/// same transaction as every change, never edited on its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaOutcome {
    /// Business seconds to the first reaction, once there was one.
    pub reaction_seconds: Option<i64>,
    /// The reaction target the engine judged the ticket by.
    pub reaction_target_seconds: Option<i64>,
    /// When an unanswered ticket's reaction falls overdue.
    pub reaction_due_at: Option<i64>,
    /// The closing that stands: a reopened ticket has none until it is closed again.
    pub resolved_at: Option<i64>,
    /// Business seconds the resolution clock counted, once closed.
    pub resolution_seconds: Option<i64>,
    /// The resolution target of the priority in force at the end.
    pub resolution_target_seconds: Option<i64>,
    /// The first line of the ticket's own indicative table its resolution falls within (the
    /// table's length when beyond all of them).
    pub resolution_band: Option<i64>,
    /// The calendar month (yyyymm, in the policy's time zone) the ticket was filed in, and
    /// that of the closing that stands: the months a report counts it in.
    pub filed_month: Option<i64>,
    pub resolved_month: Option<i64>,
}

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    /// Whether the customer may see it (internal notes and assignments are not).
    pub public: bool,
    pub body: Option<String>,
    pub change: TicketChange,
}

impl TicketEvent {
    pub fn kind(&self) -> TicketEventKind {
        self.change.kind()
    }
}

/// What changed, with each kind's own fields. Stored (and served) as the kind's name and its
/// fields as a JSON object: `{"kind": "status", "data": {"from": "new", "to": "closed"}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum TicketChange {
    /// Filed: what the ticket was filed with (the ticket row holds what it is now).
    Created {
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        ticket_type: Option<TicketType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<Priority>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        environment: Option<Environment>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        product: Option<String>,
        /// The customer's own sense of urgency, before triage (T4).
        #[serde(default)]
        urgency: Option<Priority>,
    },
    StaffReply {},
    CustomerReply {},
    InternalNote {},
    PhoneCall {},
    Status {
        #[serde(default)]
        from: Option<Status>,
        to: Status,
        /// Why, as staff gave it; `auto_close` when sladesk closed a silent ticket (S2).
        #[serde(default)]
        reason: Option<String>,
    },
    Priority {
        #[serde(default)]
        from: Option<Priority>,
        to: Priority,
        #[serde(default)]
        reason: Option<String>,
    },
    PriorityDispute {},
    Escalation {
        from: i64,
        to: i64,
        #[serde(default)]
        reason: Option<String>,
    },
    Assignment {
        #[serde(default)]
        from: Option<i64>,
        #[serde(default)]
        to: Option<i64>,
    },
    TypeChange {
        #[serde(default)]
        from: Option<TicketType>,
        to: TicketType,
    },
    /// S5: a stretch (Unix seconds) left out of both clocks; the reason is the body.
    Exclusion {
        start: i64,
        end: i64,
        category: sladesk_core::availability::ExclusionCategory,
    },
    /// A proposal for work outside support was made, changed, decided or withdrawn (C1).
    Proposal {
        proposal_id: i64,
        state: crate::domain::billing::ProposalState,
    },
    /// Marked as custom work, outside the SLA (C3), or back within it.
    SlaScope {
        outside_sla: bool,
    },
}

impl TicketEventKind {
    /// The kinds the SLA timeline reads (`desk::sla::timeline_of`): reactions, status and
    /// priority moves, and exclusions (S5). Lists of tickets load only these.
    pub const FOR_SLA: [TicketEventKind; 4] = [
        TicketEventKind::StaffReply,
        TicketEventKind::Status,
        TicketEventKind::Priority,
        TicketEventKind::Exclusion,
    ];
}

impl TicketChange {
    pub fn kind(&self) -> TicketEventKind {
        match self {
            TicketChange::Created { .. } => TicketEventKind::Created,
            TicketChange::StaffReply {} => TicketEventKind::StaffReply,
            TicketChange::CustomerReply {} => TicketEventKind::CustomerReply,
            TicketChange::InternalNote {} => TicketEventKind::InternalNote,
            TicketChange::PhoneCall {} => TicketEventKind::PhoneCall,
            TicketChange::Status { .. } => TicketEventKind::Status,
            TicketChange::Priority { .. } => TicketEventKind::Priority,
            TicketChange::PriorityDispute {} => TicketEventKind::PriorityDispute,
            TicketChange::Escalation { .. } => TicketEventKind::Escalation,
            TicketChange::Assignment { .. } => TicketEventKind::Assignment,
            TicketChange::TypeChange { .. } => TicketEventKind::TypeChange,
            TicketChange::Exclusion { .. } => TicketEventKind::Exclusion,
            TicketChange::Proposal { .. } => TicketEventKind::Proposal,
            TicketChange::SlaScope { .. } => TicketEventKind::SlaScope,
        }
    }

    /// The kind's fields as a JSON object (the `data` column and the API's `data`).
    pub fn data(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut tagged)) => tagged
                .remove("data")
                .unwrap_or_else(|| Value::Object(Default::default())),
            _ => Value::Object(Default::default()),
        }
    }

    /// Reads a stored change back: its kind's name and its fields.
    pub fn from_parts(kind: &str, data: Value) -> Result<TicketChange, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "kind": kind, "data": data }))
    }
}

/// What happened to a ticket: the kinds of its events (stored and served by these names).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TicketEventKind {
    /// Filed (by the customer, by staff for a customer, or by monitoring).
    Created,
    /// A reply by staff; a public one is the ticket's reaction (S4).
    StaffReply,
    CustomerReply,
    /// Staff only, never shown to the customer.
    InternalNote,
    /// A phone call recorded by staff (T1), staff only.
    PhoneCall,
    /// A move of the status (T7).
    Status,
    /// A change of priority by triage (T4).
    Priority,
    /// The customer contests the priority (T5); the reason is the body.
    PriorityDispute,
    /// Handed to another support line.
    Escalation,
    /// Assigned to a person (staff only).
    Assignment,
    /// The type changed (T3).
    TypeChange,
    /// S5: a stretch of the clocks excluded (force majeure, a third party, the customer).
    Exclusion,
    /// A proposal for work outside support, and what became of it (C1).
    Proposal,
    /// Marked as custom work outside the SLA (C3), or back within it.
    SlaScope,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_stored_as_its_kind_and_fields_and_read_back() {
        let change = TicketChange::Status {
            from: Some(Status::New),
            to: Status::Closed,
            reason: Some("auto_close".into()),
        };
        assert_eq!(change.kind(), TicketEventKind::Status);
        let data = change.data();
        assert_eq!(data["to"], "closed");
        assert_eq!(TicketChange::from_parts("status", data).unwrap(), change);
        let reply = TicketChange::StaffReply {};
        assert_eq!(reply.data(), serde_json::json!({}));
        assert_eq!(
            TicketChange::from_parts("staff_reply", serde_json::json!({})).unwrap(),
            reply
        );
        // A status move without its target is not a status move.
        assert!(TicketChange::from_parts("status", serde_json::json!({"from": "new"})).is_err());
        assert!(TicketChange::from_parts("teleported", serde_json::json!({})).is_err());
    }
}
