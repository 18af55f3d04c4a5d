//! Releases (R1-R4): a release with its notes, the batches of its rollout and each tenant's
//! update window. The planning itself is the core's (`sladesk_core::releases`).

use serde::{Deserialize, Serialize};
use sladesk_core::releases::Ring;

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Announced, not started; its start may still be postponed.
    Planned,
    RollingOut,
    /// Stopped by the SaaS team: batches not done wait until it resumes.
    Paused,
    /// Every batch done or failed.
    Done,
}

impl ReleaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Planned => "planned",
            ReleaseState::RollingOut => "rolling_out",
            ReleaseState::Paused => "paused",
            ReleaseState::Done => "done",
        }
    }

    pub fn parse(word: &str) -> Option<ReleaseState> {
        [
            ReleaseState::Planned,
            ReleaseState::RollingOut,
            ReleaseState::Paused,
            ReleaseState::Done,
        ]
        .into_iter()
        .find(|s| s.as_str() == word)
    }
}

/// What a release note is about (R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    New,
    Improved,
    Fixed,
    Security,
}

/// One line of a release's notes, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNote {
    pub kind: NoteKind,
    pub en: String,
    pub nl: String,
    /// Set when the change reaches only the early rings for now (`early_access` or
    /// `preview`): such notes stay out of the newsletter (R4).
    #[serde(default)]
    pub ring: Option<Ring>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Release {
    pub id: i64,
    pub version: String,
    /// The planned first day of the rollout, like `2026-03-02` (Dutch calendar).
    pub planned_start: String,
    pub state: ReleaseState,
    pub notes: Vec<ReleaseNote>,
    /// Why the start was moved, when it was (R3: the schedule is a target, not a guarantee).
    pub postponed_reason: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// Where a batch of a rollout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Planned,
    Done,
    Failed,
}

impl BatchState {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Planned => "planned",
            BatchState::Done => "done",
            BatchState::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> Option<BatchState> {
        [BatchState::Planned, BatchState::Done, BatchState::Failed]
            .into_iter()
            .find(|s| s.as_str() == word)
    }
}

/// A batch of a started rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RolloutBatch {
    pub number: i64,
    pub ring: Ring,
    pub starts_at: i64,
    pub ends_at: i64,
    pub state: BatchState,
    pub finished_at: Option<i64>,
    pub component_ids: Vec<i64>,
}

/// One tenant's update window in a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UpdateWindow {
    pub release_id: i64,
    pub version: String,
    pub component_id: i64,
    pub component_name: String,
    pub ring: Ring,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The batch it is in; none for a moment the contract agreed.
    pub batch: Option<i64>,
}

/// A customer instance and the ring it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    pub component_id: i64,
    pub name: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub ring: Option<Ring>,
    /// Update moments the contract agreed in writing (R3), like `wednesday 21:30`.
    pub update_moments: Vec<String>,
}
