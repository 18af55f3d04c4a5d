//! The figures of a monthly SLA report (S3), per priority: what the period's tickets achieved
//! against the targets and against the indicative table ("in practice 90 % of Normal tickets
//! are resolved within 8 hours"). Pure: the caller says which tickets count in the period and
//! hands them over counted (business times with how many tickets took each), so that a year of
//! a whole desk is a few thousand numbers rather than a million tickets.
//!
//! A share is `None` when there is nothing to share ("no tickets"), never 0 % or 100 %. A
//! ticket resolved in exactly the threshold counts as within it.

use serde::Serialize;

use crate::tickets::Priority;

/// A business time and how many tickets took exactly that long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weighted {
    pub seconds: i64,
    pub count: u64,
}

/// The reactions of the tickets filed in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReactionFacts {
    /// Tickets filed in the period.
    pub opened: u64,
    /// Reacted within the target, and reacted after it.
    pub met: u64,
    pub late: u64,
    /// Not reacted to and past the target: missed as surely as a late one.
    pub overdue: u64,
    /// Not reacted to and still within the target: not judged yet.
    pub awaiting: u64,
    /// The business times to the reactions that came.
    pub times: Vec<Weighted>,
}

/// The resolutions of the tickets whose closing that stands falls in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionFacts {
    pub resolved: u64,
    pub within_target: u64,
    /// How many fell in each line of the indicative table (index = the first line they are
    /// within; the table's length = beyond all lines).
    pub bands: Vec<u64>,
    /// The business times the resolution clocks counted.
    pub times: Vec<Weighted>,
}

/// The targets a group of tickets was measured by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub reaction_seconds: i64,
    pub resolution_seconds: i64,
    /// The indicative table: (promised percent, within seconds), tightest first.
    pub indicative: Vec<(u8, i64)>,
}

/// The spread of business times: median, 90th and 95th percentile (nearest rank) and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spread {
    pub count: u64,
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
    /// Tickets resolved within this line.
    pub within: u64,
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
    /// Filed in the period.
    pub opened: u64,
    /// Filed before the period's end and not closed by then (or reopened since).
    pub open_at_end: u64,
    /// Reactions judged (met, late or overdue), and how many of those met the target.
    pub reaction_judged: u64,
    pub reaction_met: u64,
    /// Filed in the period, not reacted to yet and still within the target.
    pub reaction_awaiting: u64,
    pub reaction_met_percent: Option<f64>,
    /// Closed in the period, and how many within the resolution target.
    pub resolved: u64,
    pub resolved_within_target: u64,
    pub resolved_within_target_percent: Option<f64>,
    pub indicative: Vec<IndicativeShare>,
    pub reaction_spread: Option<Spread>,
    pub resolution_spread: Option<Spread>,
}

/// The figures that sum a period up: what a trend chart draws, month after month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Headline {
    pub opened: u64,
    pub resolved: u64,
    pub reaction_met_percent: Option<f64>,
    pub resolved_within_target_percent: Option<f64>,
}

pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The value at nearest rank `p` (1 to 100) of times sorted by seconds, `total` in all.
fn nearest_rank(sorted: &[Weighted], total: u64, p: u64) -> i64 {
    let rank = (p * total).div_ceil(100).max(1);
    let mut seen = 0;
    for w in sorted {
        seen += w.count;
        if seen >= rank {
            return w.seconds;
        }
    }
    sorted.last().map_or(0, |w| w.seconds)
}

/// The spread of counted times; `None` when there are none.
pub fn spread(times: &[Weighted]) -> Option<Spread> {
    let mut sorted: Vec<Weighted> = times.iter().copied().filter(|w| w.count > 0).collect();
    let total: u64 = sorted.iter().map(|w| w.count).sum();
    if total == 0 {
        return None;
    }
    sorted.sort_unstable_by_key(|w| w.seconds);
    Some(Spread {
        count: total,
        median_seconds: nearest_rank(&sorted, total, 50),
        p90_seconds: nearest_rank(&sorted, total, 90),
        p95_seconds: nearest_rank(&sorted, total, 95),
        max_seconds: sorted[sorted.len() - 1].seconds,
    })
}

/// The figures of `priority` from its counted facts, against `targets`.
pub fn priority_figures(
    priority: Priority,
    targets: &Targets,
    reaction: &ReactionFacts,
    resolution: &ResolutionFacts,
    open_at_end: u64,
) -> PriorityFigures {
    let judged = reaction.met + reaction.late + reaction.overdue;
    let mut within_so_far = 0;
    let indicative = targets
        .indicative
        .iter()
        .enumerate()
        .map(|(line, &(promised_percent, within_seconds))| {
            within_so_far += resolution.bands.get(line).copied().unwrap_or(0);
            let achieved_percent = percent(within_so_far, resolution.resolved);
            IndicativeShare {
                within_seconds,
                promised_percent,
                within: within_so_far,
                achieved_percent,
                kept: achieved_percent.map(|a| a >= f64::from(promised_percent)),
            }
        })
        .collect();
    PriorityFigures {
        priority,
        reaction_target_seconds: targets.reaction_seconds,
        resolution_target_seconds: targets.resolution_seconds,
        opened: reaction.opened,
        open_at_end,
        reaction_judged: judged,
        reaction_met: reaction.met,
        reaction_awaiting: reaction.awaiting,
        reaction_met_percent: percent(reaction.met, judged),
        resolved: resolution.resolved,
        resolved_within_target: resolution.within_target,
        resolved_within_target_percent: percent(resolution.within_target, resolution.resolved),
        indicative,
        reaction_spread: spread(&reaction.times),
        resolution_spread: spread(&resolution.times),
    }
}

/// The headline of a period from its rows.
pub fn headline<'a>(rows: impl IntoIterator<Item = &'a PriorityFigures>) -> Headline {
    let (mut opened, mut judged, mut met, mut resolved, mut within) = (0, 0, 0, 0, 0);
    for row in rows {
        opened += row.opened;
        judged += row.reaction_judged;
        met += row.reaction_met;
        resolved += row.resolved;
        within += row.resolved_within_target;
    }
    Headline {
        opened,
        resolved,
        reaction_met_percent: percent(met, judged),
        resolved_within_target_percent: percent(within, resolved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    const H: i64 = 3600;

    fn times(values: &[i64]) -> Vec<Weighted> {
        values
            .iter()
            .map(|&seconds| Weighted { seconds, count: 1 })
            .collect()
    }

    fn normal_targets() -> Targets {
        let policy = Policy::default_policy();
        let t = policy.targets(Priority::Normal);
        Targets {
            reaction_seconds: t.reaction_seconds,
            resolution_seconds: t.resolution_seconds,
            indicative: t.indicative_resolution.clone(),
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<i64> = (1..=20).collect();
        let s = spread(&times(&values)).unwrap();
        assert_eq!(
            (
                s.median_seconds,
                s.p90_seconds,
                s.p95_seconds,
                s.max_seconds
            ),
            (10, 18, 19, 20)
        );
        let one = spread(&times(&[7])).unwrap();
        assert_eq!((one.median_seconds, one.p95_seconds), (7, 7));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn counted_times_rank_as_the_tickets_they_stand_for() {
        // 18 tickets of 5 s and 2 of 100 s: the 90th percentile is the 18th ticket (5 s), the
        // 95th the 19th (100 s); given in any order and with an empty count among them.
        let counted = [
            Weighted {
                seconds: 100,
                count: 2,
            },
            Weighted {
                seconds: 1,
                count: 0,
            },
            Weighted {
                seconds: 5,
                count: 18,
            },
        ];
        let s = spread(&counted).unwrap();
        assert_eq!(
            (s.count, s.median_seconds, s.p90_seconds, s.p95_seconds),
            (20, 5, 5, 100)
        );
        assert_eq!(
            spread(&counted).unwrap(),
            spread(&times(&[[5; 18].as_slice(), &[100, 100]].concat())).unwrap()
        );
    }

    #[test]
    fn the_indicative_table_is_judged_line_by_line() {
        // Normal: 90 % within 8 h, 95 % within 16 h, 100 % within 20 h. Ten resolved: nine in
        // the first line (one of them exactly 8 h, which the desk puts in that line), one
        // beyond 16 h but within 20 h.
        let resolution = ResolutionFacts {
            resolved: 10,
            within_target: 9,
            bands: vec![9, 0, 1, 0],
            times: times(&[H, H, H, H, 2 * H, 3 * H, 4 * H, 5 * H, 8 * H, 17 * H]),
        };
        let reaction = ReactionFacts {
            opened: 12,
            met: 9,
            late: 1,
            overdue: 1,
            awaiting: 1,
            times: times(&[H; 10]),
        };
        let figures = priority_figures(
            Priority::Normal,
            &normal_targets(),
            &reaction,
            &resolution,
            2,
        );
        let shares: Vec<(u64, Option<f64>, Option<bool>)> = figures
            .indicative
            .iter()
            .map(|i| (i.within, i.achieved_percent, i.kept))
            .collect();
        assert_eq!(
            shares,
            [
                (9, Some(90.0), Some(true)),
                (9, Some(90.0), Some(false)),
                (10, Some(100.0), Some(true))
            ]
        );
        // An overdue ticket without a reaction is judged missed; one still awaiting is not.
        assert_eq!((figures.reaction_judged, figures.reaction_met), (11, 9));
        assert_eq!(figures.reaction_awaiting, 1);
        assert_eq!(figures.resolved_within_target_percent, Some(90.0));
        assert_eq!(figures.resolution_spread.unwrap().max_seconds, 17 * H);
        assert_eq!(figures.open_at_end, 2);
        let head = headline([&figures]);
        assert_eq!(head.opened, 12);
        assert_eq!(head.resolved_within_target_percent, Some(90.0));
    }

    #[test]
    fn a_priority_without_tickets_has_no_figures_rather_than_zero() {
        let figures = priority_figures(
            Priority::High,
            &normal_targets(),
            &ReactionFacts::default(),
            &ResolutionFacts::default(),
            0,
        );
        assert_eq!(figures.resolved, 0);
        assert_eq!(figures.resolved_within_target_percent, None);
        assert_eq!(figures.reaction_met_percent, None);
        assert!(figures.indicative.iter().all(|i| i.kept.is_none()));
        assert_eq!(figures.resolution_spread, None);
        assert_eq!(headline([&figures]).reaction_met_percent, None);
    }
}
