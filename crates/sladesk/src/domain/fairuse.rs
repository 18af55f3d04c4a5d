//! Fair use (F1, F2): a tenant's use a day per measure, what the daily run found, and the
//! cases of the procedure (the notice, the grace period, the re-check and the decision). The
//! judgement itself is the core's (`sladesk_core::fairuse`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest value a tenant may report for a day: 10^14 (100 TB of traffic), so that the
/// whole numbers of a cohort of a hundred thousand tenants still add up exactly.
pub const MAX_VALUE: i64 = 100_000_000_000_000;

/// A day as stored: `yyyymmdd`.
pub fn day_number(date: jiff::civil::Date) -> i64 {
    i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// The date of a stored `yyyymmdd`.
pub fn day_date(number: i64) -> Option<jiff::civil::Date> {
    let (year, month, day) = (number / 10_000, number / 100 % 100, number % 100);
    jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// Where a fair-use case stands (F2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// The customer was told and has the grace period to bring its use back to normal.
    Grace,
    /// The grace period ended and its last day was judged; the SaaS team decides.
    AwaitingDecision,
    Decided,
}

words!(CaseState {
    Grace => "grace",
    AwaitingDecision => "awaiting_decision",
    Decided => "decided",
});

/// What the SaaS team decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FairUseDecision)]
pub enum Decision {
    /// The use is back to normal: the case is closed without a measure.
    Normalised,
    /// Still over the line, and the vendor chooses not to act (say, a migration that ends).
    Waived,
    /// The use is limited for a while (F2), or at once for acute disruption.
    TemporaryLimit,
    /// The use is charged extra, after this notice (F2).
    ExtraCharge,
}

words!(Decision {
    Normalised => "normalised",
    Waived => "waived",
    TemporaryLimit => "temporary_limit",
    ExtraCharge => "extra_charge",
});

impl Decision {
    /// A measure against the customer, which needs the grace period to have passed without
    /// the use normalising (or, for a limit, acute disruption).
    pub fn is_measure(self) -> bool {
        matches!(self, Decision::TemporaryLimit | Decision::ExtraCharge)
    }
}

/// A step of a case, as the customer sees it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Opened,
    AcuteMeasure,
    Rechecked,
    Decided,
}

words!(StepKind {
    Opened => "opened",
    AcuteMeasure => "acute_measure",
    Rechecked => "rechecked",
    Decided => "decided",
});

/// The numbers a case stands on: one tenant's measure on the day judged, against its cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseFigures {
    /// The last day judged, like `2026-11-30`.
    pub day: String,
    /// The unbroken run of days over the line that ends on it (at most the window).
    pub current_run: i64,
    /// Its first day.
    pub run_from: Option<String>,
    pub own: f64,
    /// The average of the rest of the cohort that day.
    pub cohort_average: f64,
    /// How many others it was compared with.
    pub cohort_size: i64,
    /// The policy's factor (3) and window (30 days) it was judged by.
    pub factor: f64,
    pub window_days: i64,
}

/// A tenant over the line on the last judged day, as the daily run found it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub component_id: i64,
    pub component: String,
    pub organization_id: i64,
    pub organization: String,
    pub measure: String,
    /// The day judged.
    pub day: String,
    /// Days over the line in an unbroken run up to that day (at most the window).
    pub current_run: i64,
    pub run_from: String,
    pub own: f64,
    pub cohort_average: f64,
    pub cohort_size: i64,
    /// The run reached the window: use is excessive (F1).
    pub excessive: bool,
    /// The first judged day it was excessive, in this run.
    pub excessive_since: Option<String>,
    /// The open case about it, if any.
    pub open_case_id: Option<i64>,
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CaseStep {
    pub at: i64,
    pub by: Option<i64>,
    pub kind: StepKind,
    /// What was done or decided, and why, as written by the SaaS team.
    pub text: String,
    /// The numbers at this step (at a re-check: the last day of the grace period).
    pub figures: Option<CaseFigures>,
}

/// A fair-use case (F2).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FairUseCase {
    pub id: i64,
    pub component_id: i64,
    pub organization_id: i64,
    pub measure: String,
    pub state: CaseState,
    /// Opened for acute disruption of stability, security or availability: a limit at once.
    pub acute: bool,
    pub reason: String,
    pub figures: CaseFigures,
    pub opened_at: i64,
    pub opened_by: Option<i64>,
    /// The end of the grace period, when the use is judged again.
    pub grace_until: i64,
    pub rechecked_at: Option<i64>,
    /// At the re-check: whether the last day of the grace period was still over the line.
    pub recheck_over: Option<bool>,
    pub decision: Option<Decision>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<i64>,
    pub steps: Vec<CaseStep>,
}
