//! The state of a ticket's SLA clocks at one instant: the output of `sla timeline` and the `sla`
//! object of every ticket in the API.

use jiff::Timestamp;
use serde::Serialize;

use crate::text::Text;
use crate::tickets::{Priority, Status};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaReport {
    pub reaction: ReactionClock,
    pub resolution: ResolutionClock,
    /// While waiting for the customer: when the ticket may be closed administratively (T7).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub auto_close_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionClock {
    pub target_seconds: i64,
    pub elapsed_seconds: i64,
    /// Creation plus the target in business time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    /// The first reaction, if there was one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub met_at: Option<Timestamp>,
    pub breached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<ExplainedInterval>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionClock {
    pub target_seconds: i64,
    pub elapsed_seconds: i64,
    pub state: ClockState,
    /// When the running time reached or will reach the target (see [`super::evaluate`]).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub due_at: Option<Timestamp>,
    pub breached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<ExplainedInterval>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Stopped,
}

/// One stretch of a clock's history between two events, for `--explain`: how much business
/// time it held and whether that time counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplainedInterval {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub end: Timestamp,
    pub status: Status,
    pub priority: Priority,
    /// Business seconds in `[start, end)` in the clock's calendar.
    pub business_seconds: i64,
    /// Whether those seconds counted towards the clock.
    pub counted: bool,
    pub reason: Text,
    /// S5: the category of the exclusion that left this stretch out, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    /// The office-hours periods inside the stretch that counted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<Period>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub end: Timestamp,
}
