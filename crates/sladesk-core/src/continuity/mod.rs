//! Business continuity (D1, D2): the recovery point, the recovery time of each scenario of the
//! RTO table, which backups a retention rule keeps, and whether a drill met its scenario's
//! recovery time. Pure: the caller brings the backups' instants and the drill's duration.
//!
//! How retention counts, exactly (the rule of restic's and borg's `--keep-daily/weekly/monthly`,
//! so an operator reads it the way they already know):
//! - Only **verified** backups are candidates; a backup that was never verified restores nothing
//!   anyone checked, so it never holds a place of a good one.
//! - Walking from the newest, the newest backup of each of the last `daily` calendar days that
//!   have a backup is kept; likewise of the last `weekly` ISO weeks and `monthly` months. A
//!   backup may be kept by more than one rule; the union is kept.
//! - Days, weeks and months are those of the policy's time zone, so "the backup of 1 March" is
//!   the one an operator in Amsterdam calls that.
//! - The newest verified backup is always kept, whatever the rule says.

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// The scenarios of the RTO table (D2), from the smallest loss to the largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Data lost or corrupted (a table dropped, a bad migration): 2 hours.
    DataLoss,
    /// One instance (a server, a VM, its disk) lost: 4 hours.
    InstanceLoss,
    /// A whole system (the database cluster, the hosting platform) lost: 8 hours.
    SystemLoss,
    /// A business location (a data centre) lost: 16 hours.
    LocationLoss,
    /// Operation as a whole lost (the vendor's organisation cannot work): 24 hours.
    OperationLoss,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::DataLoss,
        Scenario::InstanceLoss,
        Scenario::SystemLoss,
        Scenario::LocationLoss,
        Scenario::OperationLoss,
    ];

    /// The key in the policy, the database and the API: `data_loss`.
    pub fn key(self) -> &'static str {
        match self {
            Scenario::DataLoss => "data_loss",
            Scenario::InstanceLoss => "instance_loss",
            Scenario::SystemLoss => "system_loss",
            Scenario::LocationLoss => "location_loss",
            Scenario::OperationLoss => "operation_loss",
        }
    }

    /// From the key, or the command line's spelling with dashes (`data-loss`).
    pub fn from_key(key: &str) -> Option<Scenario> {
        let key = key.replace('-', "_");
        Scenario::ALL.into_iter().find(|s| s.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// D1, D2 as the policy says them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuityRules {
    /// The recovery point objective: the newest verified backup is never older than this.
    pub rpo_seconds: i64,
    /// How often a backup is taken (at most the RPO, so that one failed run can be retried
    /// before the RPO passes only when it is shorter).
    pub backup_every_seconds: i64,
    pub retention: Retention,
    /// The recovery time objective of each scenario, in the order of [`Scenario::ALL`].
    rto_seconds: [i64; 5],
}

impl ContinuityRules {
    pub fn new(
        rpo_seconds: i64,
        backup_every_seconds: i64,
        retention: Retention,
        rto_seconds: [i64; 5],
    ) -> ContinuityRules {
        ContinuityRules {
            rpo_seconds,
            backup_every_seconds,
            retention,
            rto_seconds,
        }
    }

    /// The recovery time objective of `scenario`, in seconds.
    pub fn rto_seconds(&self, scenario: Scenario) -> i64 {
        self.rto_seconds[scenario.index()]
    }

    /// Whether the newest verified backup, taken at `newest` (none: never), is older than the
    /// recovery point allows at `now`.
    pub fn rpo_passed(&self, newest: Option<Timestamp>, now: Timestamp) -> bool {
        match newest {
            None => true,
            Some(at) => now.as_second() - at.as_second() > self.rpo_seconds,
        }
    }

    /// Whether a drill of `scenario` that took `took_seconds` met the scenario's recovery time.
    pub fn drill_met(&self, scenario: Scenario, took_seconds: i64) -> bool {
        took_seconds <= self.rto_seconds(scenario)
    }

    /// The start of the backup interval that holds `now` (intervals counted from the Unix
    /// epoch), which names the one backup of that interval whatever the replicas.
    pub fn interval_of(&self, now: Timestamp) -> i64 {
        let every = self.backup_every_seconds.max(1);
        now.as_second().div_euclid(every) * every
    }
}

/// How many verified backups are kept: the newest of so many days, weeks and months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

/// The ids of the backups `retention` keeps among `verified` (id, taken at), in any order.
/// Everything verified and not returned may be deleted.
pub fn retained(
    verified: &[(i64, Timestamp)],
    retention: Retention,
    zone: &TimeZone,
) -> BTreeSet<i64> {
    let mut newest_first = verified.to_vec();
    newest_first.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut kept = BTreeSet::new();
    if let Some((id, _)) = newest_first.first() {
        kept.insert(*id);
    }
    let periods = |period: fn(jiff::civil::Date) -> (i16, i16), count: u32| {
        let mut seen: Vec<(i16, i16)> = Vec::new();
        let mut keep = Vec::new();
        for (id, at) in &newest_first {
            if seen.len() as u32 >= count {
                break;
            }
            let key = period(at.to_zoned_datetime(zone.clone()).date());
            if !seen.contains(&key) {
                seen.push(key);
                keep.push(*id);
            }
        }
        keep
    };
    kept.extend(periods(|d| (d.year(), d.day_of_year()), retention.daily));
    kept.extend(periods(
        |d| {
            let week = d.iso_week_date();
            (week.year(), week.week() as i16)
        },
        retention.weekly,
    ));
    kept.extend(periods(|d| (d.year(), d.month() as i16), retention.monthly));
    kept
}
