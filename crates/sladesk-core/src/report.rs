//! The figures of a monthly SLA report (S3), per priority: what the month's tickets achieved
//! against the targets and against the indicative table ("in practice 90 % of Normal tickets
//! are resolved within 8 hours"). Pure: the caller says which tickets count in the month.
//!
//! A share is `None` when there is nothing to share ("no tickets"), never 0 % or 100 %. A
//! ticket resolved in exactly the threshold counts as within it.

use serde::Serialize;

use crate::policy::Policy;
use crate::tickets::Priority;

/// One ticket of the month, as the report counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The priority in force at the end.
    pub priority: Priority,
    /// Business seconds to the first reaction, if it came.
    pub reaction_seconds: Option<i64>,
    /// Business seconds the resolution clock counted, if the ticket is resolved.
    pub resolution_seconds: Option<i64>,
}

/// The spread of business times: median, 90th and 95th percentile (nearest rank) and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spread {
    pub count: usize,
    pub median_seconds: i64,
    pub p90_seconds: i64,
    pub p95_seconds: i64,
    pub max_seconds: i64,
}

/// A promise of the indicative table next to what was achieved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicativeShare {
    pub within_seconds: i64,
    pub promised_percent: u8,
    /// `None` when no ticket of the priority was resolved.
    pub achieved_percent: Option<f64>,
    /// Whether the promise was kept; `None` with no tickets.
    pub kept: Option<bool>,
}

/// The figures of one priority.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityFigures {
    pub priority: Priority,
    pub reaction_target_seconds: i64,
    pub resolution_target_seconds: i64,
    /// Tickets with a reaction, and how many of those within the target.
    pub reacted: usize,
    pub reaction_met: usize,
    pub reaction_met_percent: Option<f64>,
    pub resolved: usize,
    pub resolved_within_target: usize,
    pub resolved_within_target_percent: Option<f64>,
    pub indicative: Vec<IndicativeShare>,
    pub reaction_spread: Option<Spread>,
    pub resolution_spread: Option<Spread>,
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The nearest-rank percentile of sorted `values` (`p` from 1 to 100).
fn nearest_rank(sorted: &[i64], p: usize) -> i64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The spread of `values`; `None` when there are none.
pub fn spread(values: &[i64]) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Some(Spread {
        count: sorted.len(),
        median_seconds: nearest_rank(&sorted, 50),
        p90_seconds: nearest_rank(&sorted, 90),
        p95_seconds: nearest_rank(&sorted, 95),
        max_seconds: sorted[sorted.len() - 1],
    })
}

/// The figures of `priority` over `outcomes`, against the targets of `policy`.
pub fn priority_figures(
    policy: &Policy,
    priority: Priority,
    outcomes: &[Outcome],
) -> PriorityFigures {
    let targets = policy.targets(priority);
    let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.priority == priority).collect();
    let reactions: Vec<i64> = mine.iter().filter_map(|o| o.reaction_seconds).collect();
    let resolutions: Vec<i64> = mine.iter().filter_map(|o| o.resolution_seconds).collect();
    let within = |limit: i64, values: &[i64]| values.iter().filter(|s| **s <= limit).count();
    let reaction_met = within(targets.reaction_seconds, &reactions);
    let resolved_within_target = within(targets.resolution_seconds, &resolutions);
    let indicative = targets
        .indicative_resolution
        .iter()
        .map(|&(promised_percent, within_seconds)| {
            let achieved_percent = percent(within(within_seconds, &resolutions), resolutions.len());
            IndicativeShare {
                within_seconds,
                promised_percent,
                achieved_percent,
                kept: achieved_percent.map(|a| a >= f64::from(promised_percent)),
            }
        })
        .collect();
    PriorityFigures {
        priority,
        reaction_target_seconds: targets.reaction_seconds,
        resolution_target_seconds: targets.resolution_seconds,
        reacted: reactions.len(),
        reaction_met,
        reaction_met_percent: percent(reaction_met, reactions.len()),
        resolved: resolutions.len(),
        resolved_within_target,
        resolved_within_target_percent: percent(resolved_within_target, resolutions.len()),
        indicative,
        reaction_spread: spread(&reactions),
        resolution_spread: spread(&resolutions),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    fn normal(reaction: Option<i64>, resolution: Option<i64>) -> Outcome {
        Outcome {
            priority: Priority::Normal,
            reaction_seconds: reaction,
            resolution_seconds: resolution,
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<i64> = (1..=20).collect();
        let s = spread(&values).unwrap();
        assert_eq!(
            (
                s.median_seconds,
                s.p90_seconds,
                s.p95_seconds,
                s.max_seconds
            ),
            (10, 18, 19, 20)
        );
        let one = spread(&[7]).unwrap();
        assert_eq!((one.median_seconds, one.p95_seconds), (7, 7));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn the_indicative_table_is_judged_with_its_boundaries_inclusive() {
        let policy = Policy::default_policy();
        // Normal: 90 % within 8 h, 95 % within 16 h, 100 % within 20 h.
        // Ten resolved: nine in at most 8 h (one exactly 8 h), one in 17 h.
        let mut outcomes: Vec<Outcome> =
            (1..=8).map(|i| normal(Some(H), Some(i * H / 2))).collect();
        outcomes.push(normal(Some(4 * H), Some(8 * H)));
        outcomes.push(normal(Some(5 * H), Some(17 * H)));
        outcomes.push(normal(None, None));
        let figures = priority_figures(&policy, Priority::Normal, &outcomes);
        let shares: Vec<(Option<f64>, Option<bool>)> = figures
            .indicative
            .iter()
            .map(|i| (i.achieved_percent, i.kept))
            .collect();
        assert_eq!(
            shares,
            [
                (Some(90.0), Some(true)),
                (Some(90.0), Some(false)),
                (Some(100.0), Some(true))
            ]
        );
        // Reaction target 4 h: exactly 4 h is met, 5 h is not.
        assert_eq!((figures.reacted, figures.reaction_met), (10, 9));
        // Resolution target 16 h: the one of 17 h is over it.
        assert_eq!(figures.resolved_within_target, 9);
        assert_eq!(figures.resolved_within_target_percent, Some(90.0));
        assert_eq!(figures.resolution_spread.unwrap().max_seconds, 17 * H);
    }

    #[test]
    fn a_priority_without_tickets_has_no_figures_rather_than_zero() {
        let policy = Policy::default_policy();
        let figures = priority_figures(&policy, Priority::High, &[normal(Some(H), Some(H))]);
        assert_eq!(figures.resolved, 0);
        assert_eq!(figures.resolved_within_target_percent, None);
        assert!(figures.indicative.iter().all(|i| i.kept.is_none()));
        assert_eq!(figures.resolution_spread, None);
    }
}
