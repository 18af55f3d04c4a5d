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

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub at: i64,
    pub kind: TicketEventKind,
    pub actor_id: Option<i64>,
    /// Whether the customer may see it (internal notes and assignments are not).
    pub public: bool,
    pub body: Option<String>,
    pub data: Value,
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
    /// A move of the status (T7); data: `from`, `to`, `reason`.
    Status,
    /// A change of priority by triage (T4); data: `from`, `to`, `reason`.
    Priority,
    /// The customer contests the priority (T5); data: `reason`.
    PriorityDispute,
    /// Handed to another support line; data: `from`, `to`, `reason`.
    Escalation,
    /// Assigned to a person (staff only); data: `from`, `to`.
    Assignment,
    /// The type changed (T3); data: `from`, `to`.
    TypeChange,
}
