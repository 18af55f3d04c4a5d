//! The JSON shapes of the API's responses, converted from the desk's types.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sladesk_core::sla::SlaReport;
use sladesk_core::text::Language;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use crate::desk::{TicketView, ticket_number};
use crate::domain::accounts::{Organization, Role, Tier, User};
use crate::domain::tickets::TicketEvent;

pub(super) fn rfc3339(second: i64) -> String {
    Timestamp::from_second(second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationResponse {
    pub id: i64,
    pub name: String,
    pub tier: Tier,
    pub products: Vec<String>,
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    /// The contract's own SLA policy (TOML), if any.
    pub policy: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Organization> for OrganizationResponse {
    fn from(o: Organization) -> Self {
        OrganizationResponse {
            id: o.id,
            name: o.name,
            tier: o.tier,
            products: o.products,
            valid_from: o.valid_from.map(|d| d.to_string()),
            valid_until: o.valid_until.map(|d| d.to_string()),
            policy: o.policy,
            created_at: rfc3339(o.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub language: Language,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `false` once deactivated: no sign-in, no tokens.
    pub active: bool,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        UserResponse {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            organization_id: u.organization_id,
            language: u.language,
            created_at: rfc3339(u.created_at),
            active: u.disabled_at.is_none(),
        }
    }
}

/// An API token without its secret (only its hash is stored).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub label: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<crate::store::accounts::TokenInfo> for TokenResponse {
    fn from(t: crate::store::accounts::TokenInfo) -> Self {
        TokenResponse {
            id: t.id,
            user_id: t.user_id,
            email: t.email,
            label: t.label,
            created_at: rfc3339(t.created_at),
            revoked_at: t.revoked_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketResponse {
    pub id: i64,
    /// Human-readable number, e.g. `SD-000042`.
    pub number: String,
    pub organization_id: i64,
    pub requester_id: i64,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub priority: Priority,
    /// Whether the first line has set the priority.
    pub triaged: bool,
    pub environment: Environment,
    pub product: String,
    pub subject: String,
    pub description: String,
    pub status: Status,
    pub line: i64,
    pub assignee_id: Option<i64>,
    /// The SLA policy version the ticket is measured against.
    pub policy_version: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The statuses this ticket may move to now (T7).
    pub allowed_transitions: Vec<Status>,
    /// Custom work (maatwerk, C3): outside the SLA, so it has no clocks (`sla` is null).
    pub outside_sla: bool,
    /// The SLA clocks at the time of the request (same shape as `sladesk sla timeline`);
    /// null for custom work.
    pub sla: Option<SlaReport>,
}

impl From<TicketView> for TicketResponse {
    fn from(view: TicketView) -> Self {
        let t = view.ticket;
        TicketResponse {
            id: t.id,
            number: ticket_number(t.id),
            organization_id: t.organization_id,
            requester_id: t.requester_id,
            ticket_type: t.ticket_type,
            priority: t.priority,
            triaged: t.triaged,
            environment: t.environment,
            product: t.product,
            subject: t.subject,
            description: t.description,
            allowed_transitions: t.status.allowed_moves(),
            status: t.status,
            line: t.line,
            assignee_id: t.assignee_id,
            policy_version: t.policy_version,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            sla: (!t.outside_sla).then_some(view.sla),
            outside_sla: t.outside_sla,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventResponse {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub kind: crate::domain::tickets::TicketEventKind,
    pub actor_id: Option<i64>,
    pub visibility: Visibility,
    pub body: Option<String>,
    pub data: Value,
}

impl From<TicketEvent> for EventResponse {
    fn from(e: TicketEvent) -> Self {
        EventResponse {
            id: e.id,
            at: rfc3339(e.at),
            kind: e.kind(),
            actor_id: e.actor_id,
            visibility: if e.public {
                Visibility::Public
            } else {
                Visibility::Internal
            },
            body: e.body,
            data: e.change.data(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Internal,
}

/// A page of results; pass `next_cursor` as `cursor` for the next page (`null`: no more).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
