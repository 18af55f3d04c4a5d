//! Consultancy and out-of-scope work (C1-C3, T3, T8): proposals the customer approves before
//! the work, time booked on tickets, and the lines of the monthly billing export. The money
//! arithmetic is the core's (`sladesk_core::billing`); amounts are whole cents.

use serde::{Deserialize, Serialize};
use sladesk_core::billing::WorkKind;

/// Why work falls outside support and needs the customer's approval first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A development request (T3, T8): extra functionality.
    DevelopmentRequest,
    /// A consultancy request (T3).
    ConsultancyRequest,
    /// A question that needs more than 30 minutes of analysis (T3).
    LongQuestion,
    /// Work caused by incorrect or careless use of the platform (C3).
    CarelessUse,
    /// Custom work (maatwerk, C3): outside the SLA entirely.
    CustomWork,
}

words!(Basis {
    DevelopmentRequest => "development_request",
    ConsultancyRequest => "consultancy_request",
    LongQuestion => "long_question",
    CarelessUse => "careless_use",
    CustomWork => "custom_work",
});

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for the customer's answer; staff may still change or withdraw it.
    Proposed,
    Approved,
    Declined,
    /// Taken back by staff before the customer answered.
    Withdrawn,
    /// C3: an urgent repair to stop further disruption, in force at once; the customer was
    /// told why, and billing follows the proposal's terms.
    Urgent,
}

words!(ProposalState {
    Proposed => "proposed",
    Approved => "approved",
    Declined => "declined",
    Withdrawn => "withdrawn",
    Urgent => "urgent",
});

impl ProposalState {
    /// Whether billable time may be booked on it: approved, or an urgent repair (C3).
    pub fn in_force(self) -> bool {
        matches!(self, ProposalState::Approved | ProposalState::Urgent)
    }
}

/// The kind of work, as stored (`ad_hoc`, `non_platform`).
pub fn work_kind_word(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::AdHoc => "ad_hoc",
        WorkKind::NonPlatform => "non_platform",
    }
}

pub fn parse_work_kind(word: &str) -> Option<WorkKind> {
    [WorkKind::AdHoc, WorkKind::NonPlatform]
        .into_iter()
        .find(|k| work_kind_word(*k) == word)
}

/// A proposal for work outside support (C1): what will be done, the estimate, and the terms
/// (rate and blocks) fixed when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: i64,
    pub ticket_id: i64,
    pub organization_id: i64,
    pub basis: Basis,
    #[schema(value_type = String, example = "ad_hoc")]
    #[serde(serialize_with = "serialize_work_kind")]
    pub work_kind: WorkKind,
    /// What will be done.
    pub description: String,
    pub estimate_seconds: i64,
    pub cents_per_hour: i64,
    pub minimum_seconds: i64,
    pub block_seconds: i64,
    /// What the estimate comes to after the minimum and blocks, in cents, VAT exclusive.
    pub estimate_cents: i64,
    pub state: ProposalState,
    /// Counts the changes while proposed; an approval names the revision it read.
    pub revision: i64,
    /// C3: why an urgent repair could not wait for the customer's approval.
    pub urgent_reason: Option<String>,
    pub created_at: i64,
    pub created_by: Option<i64>,
    pub updated_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<i64>,
    /// The exact text the customer approved or declined.
    pub decided_text: Option<String>,
    /// The language that text was shown in (`en`, `nl`).
    pub decided_language: Option<String>,
}

fn serialize_work_kind<S: serde::Serializer>(kind: &WorkKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(work_kind_word(*kind))
}

impl Proposal {
    pub fn terms(&self) -> sladesk_core::billing::Terms {
        sladesk_core::billing::Terms {
            cents_per_hour: self.cents_per_hour,
            blocks: sladesk_core::billing::Blocks {
                minimum_seconds: self.minimum_seconds,
                block_seconds: self.block_seconds,
            },
        }
    }
}

/// Time booked on a ticket. Never changed: a mistake is withdrawn and booked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimeEntry {
    pub id: i64,
    pub ticket_id: i64,
    pub organization_id: i64,
    /// The approved proposal billable time is booked on; none for time that is not billed.
    pub proposal_id: Option<i64>,
    /// The day worked, like `2026-12-01` (the policy's time zone).
    pub work_date: String,
    /// The month it counts in, yyyymm.
    #[serde(skip)]
    pub month: i64,
    pub seconds: i64,
    pub billable: bool,
    pub note: String,
    pub booked_at: i64,
    pub booked_by: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_reason: Option<String>,
}

/// What a line of the billing export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The month's own work on an engagement.
    Work,
    /// A change to a closed month (time withdrawn or added since), billed in the first open
    /// month after it.
    Correction,
}

words!(LineKind {
    Work => "work",
    Correction => "correction",
});

/// One line of a month's billing export: one engagement (approved proposal), VAT exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BillingLine {
    /// Like `2026-12`.
    pub month: String,
    pub organization_id: i64,
    pub organization: String,
    pub ticket_id: i64,
    /// Like `SD-000042`.
    pub ticket_number: String,
    pub proposal_id: i64,
    pub basis: Basis,
    pub kind: LineKind,
    /// Time booked in the month (for a correction: the change to the closed months).
    pub booked_seconds: i64,
    /// Time billed after the minimum and blocks.
    pub billed_seconds: i64,
    pub cents_per_hour: i64,
    pub amount_cents: i64,
}
