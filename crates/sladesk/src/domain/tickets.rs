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
}

/// What happened to a ticket. `kind` is one of the [`kinds`] constants.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub at: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    /// Whether the customer may see it (internal notes and assignments are not).
    pub public: bool,
    pub body: Option<String>,
    pub data: Value,
}

/// The kinds of ticket events.
pub mod kinds {
    pub const CREATED: &str = "created";
    pub const STAFF_REPLY: &str = "staff_reply";
    pub const CUSTOMER_REPLY: &str = "customer_reply";
    pub const NOTE: &str = "internal_note";
    pub const PHONE_CALL: &str = "phone_call";
    pub const STATUS: &str = "status";
    pub const PRIORITY: &str = "priority";
    pub const PRIORITY_DISPUTE: &str = "priority_dispute";
    pub const ESCALATION: &str = "escalation";
    pub const ASSIGNMENT: &str = "assignment";
    pub const TYPE_CHANGE: &str = "type_change";
}
