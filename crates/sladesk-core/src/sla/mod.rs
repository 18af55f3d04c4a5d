//! SLA clocks (S3, S4, T7): from a ticket's class, creation instant and events, the state of
//! its reaction and resolution clocks at an evaluation instant. Nothing is stored between
//! evaluations: the events are the truth, and the same events always give the same answer.

mod evaluate;
mod input;
mod report;

pub use evaluate::{Schedule, evaluate, evaluate_with_schedule};
pub use input::{EventInput, ExclusionInput, TimelineInput, parse_instant};
pub use report::{
    ClockState, ExplainedInterval, Period, ReactionClock, ResolutionClock, SlaReport,
};

use jiff::Timestamp;

use crate::calendar::CalendarError;
use crate::tickets::{IllegalMove, Priority, Status};

/// A ticket's history as far as the SLA is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The class the ticket was created with; its priority until a priority event says otherwise.
    pub class: Priority,
    pub created_at: Timestamp,
    /// In time order; events at the same instant apply in the order given.
    pub events: Vec<Event>,
    /// S5: stretches left out of both clocks (force majeure, a third party's failure, the
    /// customer's own infrastructure).
    pub exclusions: Vec<Exclusion>,
}

/// S5: a stretch of a ticket's history that does not count towards its clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Why, as a category key (`force_majeure`, `third_party`, `customer_caused`, …).
    pub category: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub at: Timestamp,
    pub kind: EventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A reply to the customer.
    Response,
    /// A status move.
    Status(Status),
    /// A priority change among low, normal and high.
    Priority(Priority),
}

/// Why a timeline cannot be evaluated. `index` is the event's position in the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("now ({now}) is before created_at ({created_at})")]
    NowBeforeCreation {
        created_at: Timestamp,
        now: Timestamp,
    },
    #[error(
        "events[{index}] at {at} comes before the previous event at {previous}: events must be in time order"
    )]
    OutOfOrder {
        index: usize,
        at: Timestamp,
        previous: Timestamp,
    },
    #[error("events[{index}] at {at} is before created_at ({created_at})")]
    BeforeCreation {
        index: usize,
        at: Timestamp,
        created_at: Timestamp,
    },
    #[error("events[{index}] at {at} is after now ({now})")]
    AfterNow {
        index: usize,
        at: Timestamp,
        now: Timestamp,
    },
    #[error("events[{index}]: {source}")]
    IllegalMove { index: usize, source: IllegalMove },
    #[error("events[{index}]: the priority of a saas_outage ticket cannot change")]
    PriorityOfOutage { index: usize },
    #[error(
        "events[{index}]: a priority change must be to low, normal or high; saas_outage is a class of its own"
    )]
    PriorityToOutage { index: usize },
    #[error("exclusions[{index}] must start before it ends and lie between created_at and now")]
    Exclusion { index: usize },
    #[error("{0}")]
    Calendar(#[from] CalendarError),
}

#[cfg(test)]
mod tests;
