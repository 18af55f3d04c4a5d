//! The exchange format, version 1: JSON Lines, one object a line, each with its `kind`
//! (docs/EXCHANGE.md; the JSON Schema is docs/exchange.schema.json). Objects name each other by
//! their external ids, never by this desk's row ids, so a data set moves between desks (and
//! between SQLite and PostgreSQL) unchanged. Instants are RFC 3339 with an offset; a moment
//! without one is refused, because nobody can say which moment it was.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use crate::domain::accounts::{Role, Tier};

/// The name in a data set's header.
pub const FORMAT: &str = "sladesk-exchange";
/// The version of the format this sladesk writes and reads.
pub const VERSION: u32 = 1;

/// The kinds of objects an import keeps the ids of in memory, and an export reads whole:
/// few, beside the tickets, audit entries and events, which are read and written a page at a
/// time.
pub const SMALL_KINDS: [&str; 7] = [
    "organization",
    "person",
    "component",
    "monitor",
    "outage",
    "maintenance",
    "exclusion",
];

/// One line of a data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    PolicyVersion(PolicyVersionLine),
    Organization(OrganizationLine),
    Person(PersonLine),
    Ticket(Box<TicketLine>),
    Audit(AuditLine),
    Component(ComponentLine),
    Monitor(MonitorLine),
    Outage(OutageLine),
    Maintenance(MaintenanceLine),
    Exclusion(ExclusionLine),
}

impl Line {
    /// The kind's name, as in the line and in `external_ids`.
    pub fn kind(&self) -> &'static str {
        match self {
            Line::Header(_) => "header",
            Line::PolicyVersion(_) => "policy_version",
            Line::Organization(_) => "organization",
            Line::Person(_) => "person",
            Line::Ticket(_) => "ticket",
            Line::Audit(_) => "audit",
            Line::Component(_) => "component",
            Line::Monitor(_) => "monitor",
            Line::Outage(_) => "outage",
            Line::Maintenance(_) => "maintenance",
            Line::Exclusion(_) => "exclusion",
        }
    }

    /// The object's external id (a header has none).
    pub fn id(&self) -> Option<&str> {
        Some(match self {
            Line::Header(_) => return None,
            Line::PolicyVersion(l) => &l.id,
            Line::Organization(l) => &l.id,
            Line::Person(l) => &l.id,
            Line::Ticket(l) => &l.id,
            Line::Audit(l) => &l.id,
            Line::Component(l) => &l.id,
            Line::Monitor(l) => &l.id,
            Line::Outage(l) => &l.id,
            Line::Maintenance(l) => &l.id,
            Line::Exclusion(l) => &l.id,
        })
    }
}

/// The first line: what the data set is and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub exported_at: Timestamp,
    /// The organisation a customer-scoped export holds, by external id.
    #[serde(default)]
    pub organization: Option<String>,
    /// Only what changed from this moment on.
    #[serde(default)]
    pub since: Option<Timestamp>,
    /// Whether password hashes and TOTP secrets are in it.
    #[serde(default)]
    pub with_secrets: bool,
}

/// A version of the vendor's SLA (G3): tickets are measured by the version they were filed
/// under, so it travels with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersionLine {
    /// The version's name (the policy's `version` key).
    pub id: String,
    /// The whole policy, TOML.
    pub policy: String,
    pub summary_en: String,
    pub summary_nl: String,
    pub effective_at: Timestamp,
    pub material: bool,
    pub published_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationLine {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub valid_from: Option<Date>,
    #[serde(default)]
    pub valid_until: Option<Date>,
    /// The contract's own SLA policy (G2), TOML.
    #[serde(default)]
    pub policy: Option<String>,
    /// The SLA version the contract holds to.
    #[serde(default)]
    pub policy_version: Option<String>,
    /// The contract's fee and guarantees (G2, S5).
    #[serde(default)]
    pub terms: Option<sladesk_core::credits::ContractTerms>,
    /// R3: update moments agreed in writing.
    #[serde(default)]
    pub update_moments: Option<Value>,
    #[serde(default)]
    pub size_class: Option<String>,
    #[serde(default)]
    pub mfa_required: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonLine {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub role: Role,
    /// A customer's organisation, by external id; staff have none.
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default = "dutch")]
    pub language: sladesk_core::text::Language,
    pub created_at: Timestamp,
    #[serde(default)]
    pub disabled_at: Option<Timestamp>,
    /// Only with `--with-secrets`: the Argon2id hash (PHC string), never a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub totp_enabled: bool,
}

fn dutch() -> sladesk_core::text::Language {
    sladesk_core::text::Language::Nl
}

/// A ticket with its whole event log. What the ticket is now (status, priority, line,
/// assignee, type) is not written down: it follows from the events, which the import replays
/// under the rules of T7 as sladesk would have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketLine {
    pub id: String,
    /// The number the source shows (`SD-000123`, `#84512`): kept with `--keep-numbers` when
    /// it holds a number, else searchable on the new ticket.
    #[serde(default)]
    pub number: Option<String>,
    pub organization: String,
    pub requester: String,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    pub created_at: Timestamp,
    /// The SLA version that measures it; none: the version in force when it was filed.
    #[serde(default)]
    pub policy_version: Option<String>,
    /// X3: a vulnerability report, on no support line.
    #[serde(default)]
    pub confidential: bool,
    /// Whether the first line set the priority (T4); none: whether any event set it.
    #[serde(default)]
    pub triaged: Option<bool>,
    pub events: Vec<EventLine>,
}

/// One event of a ticket: its kind, with the kind's own fields in `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLine {
    pub at: Timestamp,
    /// The kind of event (`created`, `staff_reply`, `status`, …), as [`EventChange`] names it.
    pub kind: String,
    /// The kind's own fields; read as an [`EventChange`] by [`EventLine::change`].
    #[serde(default = "empty_object")]
    pub data: Value,
    /// Who did it, by external id; none: sladesk itself (or the source's system).
    #[serde(default)]
    pub actor: Option<String>,
    /// Whether the customer may see it; none: the kind's own default.
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default)]
    pub body: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

impl EventLine {
    /// The event line of a change.
    pub fn new(at: Timestamp, change: &EventChange) -> EventLine {
        let (kind, data) = match serde_json::to_value(change) {
            Ok(Value::Object(mut tagged)) => (
                tagged
                    .remove("kind")
                    .and_then(|k| k.as_str().map(str::to_string))
                    .unwrap_or_default(),
                tagged.remove("data").unwrap_or_else(empty_object),
            ),
            _ => (String::new(), empty_object()),
        };
        EventLine {
            at,
            kind,
            data,
            actor: None,
            public: None,
            body: None,
        }
    }

    /// What the event changed, read from its kind and fields.
    pub fn change(&self) -> Result<EventChange, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "kind": self.kind, "data": self.data }))
    }
}

/// What changed. The same kinds and fields as the API's events, except that people are named
/// by external id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventChange {
    Created {
        #[serde(rename = "type")]
        ticket_type: TicketType,
        priority: Priority,
        #[serde(default = "production")]
        environment: Environment,
        #[serde(default)]
        product: String,
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
        from: Option<String>,
        #[serde(default)]
        to: Option<String>,
    },
    TypeChange {
        #[serde(default)]
        from: Option<TicketType>,
        to: TicketType,
    },
    Exclusion {
        start: Timestamp,
        end: Timestamp,
        category: sladesk_core::availability::ExclusionCategory,
    },
    SlaScope {
        outside_sla: bool,
    },
}

fn production() -> Environment {
    Environment::Production
}

impl EventChange {
    /// Whether a customer sees an event of this kind unless the line says otherwise: notes,
    /// calls and assignments are the desk's own business; an exclusion of the clocks (S5) is
    /// shown to the customer with its reason, as the desk does.
    pub fn public_by_default(&self) -> bool {
        !matches!(
            self,
            EventChange::InternalNote {}
                | EventChange::PhoneCall {}
                | EventChange::Assignment { .. }
        )
    }
}

/// An entry of the audit trail. `refers_to` names the object its subject is about by external
/// id, so that `ticket:12` becomes the ticket's number here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLine {
    pub id: String,
    pub at: Timestamp,
    #[serde(default)]
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    #[serde(default)]
    pub refers_to: Option<String>,
    #[serde(default)]
    pub detail: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentLine {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub production: bool,
    /// The customer whose instance it is, by external id.
    #[serde(default)]
    pub organization: Option<String>,
    /// R2: the release ring of a customer's instance.
    #[serde(default)]
    pub ring: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorLine {
    pub id: String,
    pub component: String,
    /// `http`, `tcp` or `heartbeat`.
    #[serde(rename = "type")]
    pub monitor_type: String,
    pub target: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default = "ok")]
    pub expected_status: i64,
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default = "five_seconds")]
    pub timeout_ms: i64,
    #[serde(default = "a_minute")]
    pub interval_seconds: i64,
}

fn get() -> String {
    "GET".into()
}
fn ok() -> i64 {
    200
}
fn five_seconds() -> i64 {
    5_000
}
fn a_minute() -> i64 {
    60
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageLine {
    pub id: String,
    pub component: String,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// The `saas_outage` ticket it opened, by external id.
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(default)]
    pub updates: Vec<OutageUpdateLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageUpdateLine {
    pub at: Timestamp,
    pub message: String,
    #[serde(default)]
    pub author: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceLine {
    pub id: String,
    pub component: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    #[serde(default)]
    pub emergency: bool,
    pub work: String,
    #[serde(default)]
    pub impact: String,
    pub announced_at: Timestamp,
    #[serde(default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionLine {
    pub id: String,
    pub component: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub category: sladesk_core::availability::ExclusionCategory,
    pub reason: String,
    #[serde(default)]
    pub created_by: Option<String>,
    pub created_at: Timestamp,
}
