//! Business continuity (D1, D2): the desk's backups as recorded, and the drills that restored
//! them. The rules (recovery point, retention, RTO table) are the core's
//! (`sladesk_core::continuity`); the files are `backup`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sladesk_core::continuity::Scenario;
use utoipa::ToSchema;

/// Where a backup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupState {
    /// Being taken or verified by a replica (until its lease runs out).
    Running,
    /// Restored into a scratch database and checked: the only state that counts toward the
    /// recovery point (D1).
    Verified,
    /// The snapshot, the archive or the verification failed; tried again.
    Failed,
    /// Removed by retention; the record stays.
    Deleted,
}

words!(BackupState {
    Running => "running",
    Verified => "verified",
    Failed => "failed",
    Deleted => "deleted",
});

/// A backup as recorded. Instants are Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    pub id: i64,
    pub interval_start: i64,
    pub state: BackupState,
    pub attempts: i64,
    pub started_at: i64,
    /// The instant of the snapshot.
    pub taken_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The archive's file name and the folder it was kept in, on `host`.
    pub name: Option<String>,
    pub folder: Option<String>,
    pub host: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// Rows per table inside the snapshot (from its manifest).
    pub counts: BTreeMap<String, i64>,
    pub backup_ms: Option<i64>,
    pub verify_ms: Option<i64>,
    /// Why it failed, or what its verification checked.
    pub detail: String,
    /// Its copy in object storage, when one is configured.
    pub offsite: OffsiteState,
    pub offsite_detail: String,
}

/// Where a backup's off-site copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OffsiteState {
    /// No object storage is configured (or the backup was not verified).
    None,
    /// To be copied by the host that keeps it.
    Pending,
    Stored,
    /// The copy failed; tried again.
    Failed,
}

words!(OffsiteState {
    None => "",
    Pending => "pending",
    Stored => "stored",
    Failed => "failed",
});

/// Who performed a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Performed {
    /// `sladesk drill`: a backup restored into a scratch target and a server started on it.
    Sladesk,
    /// The vendor's own drill (a lost data centre, say), recorded with its time.
    ByHand,
}

words!(Performed {
    Sladesk => "sladesk",
    ByHand => "by_hand",
});

/// A drill (D2) as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    pub id: i64,
    pub scenario: Scenario,
    pub performed: Performed,
    pub backup_name: Option<String>,
    pub started_at: i64,
    pub took_seconds: i64,
    /// The scenario's recovery time objective when the drill ran.
    pub rto_seconds: i64,
    /// Whether the restored desk answered with the right data (by hand: as recorded).
    pub passed: bool,
    /// Whether it passed within the recovery time objective.
    pub met_rto: bool,
    pub ran_by: String,
    pub detail: String,
}
