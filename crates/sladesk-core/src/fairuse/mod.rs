//! Fair use (F1): whether a tenant's use of a measure was excessive, judged day by day against
//! the average of its comparable customer environments (its cohort, itself left out), and over
//! an unbroken window of days. Pure: the caller brings each day's own value and the cohort's
//! sum and count, so a run over many tenants costs one subtraction per tenant and day.
//!
//! How days count, exactly:
//! - A day is **over** when the tenant's value is more than `factor` times the average of the
//!   rest of its cohort that day.
//! - A day without the tenant's value, or with fewer than `min_cohort` others to compare with,
//!   is **not judged**, and breaks a run like a day under the line: the SLA asks for an
//!   *unbroken* 30 days, and a missing day is never counted against the customer.
//! - Use is **excessive** once the days over form an unbroken run of `window_days` calendar
//!   days; incidental peaks inside normal use never make such a run.
//! - An average of zero (the others used nothing) makes any use over it; that is still
//!   "more than three times the average", and a cohort that really uses nothing of a measure
//!   is rare enough to be worth a person's look.

#[cfg(test)]
mod tests;

use jiff::civil::Date;
use serde::Serialize;

/// The F1 rule's figures, from the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FairUseRules {
    /// "Structurally more than three times the average": 3.0.
    pub factor: f64,
    /// "An unbroken 30 days".
    pub window_days: u32,
    /// A cohort with fewer others than this is too small to compare with.
    pub min_cohort: u32,
}

/// What makes customer environments comparable (F1), as the policy chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortBy {
    /// The contract's tier and the size class it records (by licensed users or connectors).
    TierAndSizeClass,
    Tier,
}

impl CohortBy {
    /// The cohort of a tenant whose contract has `tier` and `size_class`, as a key such as
    /// `qaas/m`; a contract without a size class is compared with the others without one.
    pub fn key(self, tier: &str, size_class: Option<&str>) -> String {
        match self {
            CohortBy::Tier => tier.to_string(),
            CohortBy::TierAndSizeClass => {
                format!(
                    "{tier}/{}",
                    size_class.filter(|s| !s.is_empty()).unwrap_or("-")
                )
            }
        }
    }
}

/// How one day of one measure went for a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Day {
    Over {
        own: f64,
        cohort_average: f64,
        cohort_size: u32,
    },
    Under {
        own: f64,
        cohort_average: f64,
        cohort_size: u32,
    },
    /// No value of the tenant that day.
    NoValue,
    /// Fewer others than the rules ask for.
    CohortTooSmall { cohort_size: u32 },
}

impl Day {
    pub fn is_over(&self) -> bool {
        matches!(self, Day::Over { .. })
    }
}

/// Judges one day: the tenant's own value (if any) against the rest of its cohort, from the
/// cohort's sum and count of values that day *including* the tenant's own when it has one.
pub fn judge_day(
    own: Option<f64>,
    cohort_sum: f64,
    cohort_count: u32,
    rules: &FairUseRules,
) -> Day {
    let Some(own) = own.filter(|v| v.is_finite()) else {
        return Day::NoValue;
    };
    let others = cohort_count.saturating_sub(1);
    if others < rules.min_cohort.max(1) {
        return Day::CohortTooSmall {
            cohort_size: others,
        };
    }
    let cohort_average = ((cohort_sum - own) / f64::from(others)).max(0.0);
    match own > rules.factor * cohort_average {
        true => Day::Over {
            own,
            cohort_average,
            cohort_size: others,
        },
        false => Day::Under {
            own,
            cohort_average,
            cohort_size: others,
        },
    }
}

/// What the days of one measure came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The unbroken run of days over that ends on the last day judged (0 when that day was
    /// not over): how close the tenant is to the line now.
    pub current_run: u32,
    /// Its first day.
    pub current_run_from: Option<Date>,
    /// The longest unbroken run of days over in the period.
    pub longest_run: u32,
    /// The first day on which an unbroken run reached the window: use was excessive from then
    /// (F1); none when no run did.
    pub excessive_on: Option<Date>,
}

impl Finding {
    pub fn excessive(&self) -> bool {
        self.excessive_on.is_some()
    }
}

/// Follows the days of one measure, oldest first. Days missing from `days` (a calendar day
/// skipped) break a run as an unjudged day does.
pub fn detect(days: &[(Date, Day)], rules: &FairUseRules) -> Finding {
    let mut finding = Finding::default();
    let mut previous: Option<Date> = None;
    for (date, day) in days {
        let consecutive = previous.is_some_and(|p| p.tomorrow().ok() == Some(*date));
        if !consecutive {
            finding.current_run = 0;
            finding.current_run_from = None;
        }
        if day.is_over() {
            if finding.current_run == 0 {
                finding.current_run_from = Some(*date);
            }
            finding.current_run += 1;
            finding.longest_run = finding.longest_run.max(finding.current_run);
            if finding.current_run >= rules.window_days && finding.excessive_on.is_none() {
                finding.excessive_on = Some(*date);
            }
        } else {
            finding.current_run = 0;
            finding.current_run_from = None;
        }
        previous = Some(*date);
    }
    finding
}
