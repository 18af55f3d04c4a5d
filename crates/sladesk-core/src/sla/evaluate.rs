//! The clock rules, applied to a checked walk over a timeline.

use jiff::Timestamp;

use super::report::{
    ClockState, ExplainedInterval, Period, ReactionClock, ResolutionClock, SlaReport,
};
use super::{EventKind, Exclusion, Timeline, TimelineError};
use crate::calendar::Calendar;
use crate::policy::Policy;
use crate::text::Text;
use crate::tickets::{Priority, Status, Transition};

/// A stretch of the timeline in which neither status nor priority changed.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    start: Timestamp,
    end: Timestamp,
    status: Status,
    priority: Priority,
    /// S5: the exclusion (its index in the timeline) that leaves this stretch out.
    excluded: Option<usize>,
}

/// What the walk over the events found.
struct Walk {
    stretches: Vec<Stretch>,
    status: Status,
    priority: Priority,
    /// The first reaction, with the priority in force when it came.
    reaction: Option<(Timestamp, Priority)>,
    /// When the ticket last entered the auto-close status, if it is in it now.
    waiting_since: Option<Timestamp>,
}

/// Evaluates a timeline's clocks at `now`.
///
/// - Reaction: runs from creation until the first response or the first move into a status
///   that answers the customer (Waiting for Customer, Closed); its target is that of the
///   priority in force at that moment, or at `now` while not yet met.
/// - Resolution: counts business time while the ticket is New or In Progress; paused while
///   waiting, stopped while closed. Its target is that of the priority at `now`, so a priority
///   change re-targets the clock without losing time already counted. `due_at` is when the
///   counted time reached the target, or, while running and short of it, when it will if it
///   keeps running from `now`; while paused or stopped short of the target it is `None`.
/// - Each clock counts in the calendar of the priority whose target it uses.
/// - `auto_close_at`: while waiting for the customer, entry into that status plus the
///   auto-close period in the auto-close calendar.
///
/// With `explain`, each clock carries the stretches of its history and why each counted.
pub fn evaluate(
    policy: &Policy,
    timeline: &Timeline,
    now: Timestamp,
    explain: bool,
) -> Result<SlaReport, TimelineError> {
    let walk = walk(policy, timeline, now)?;
    report(policy, timeline, &walk, now, explain)
}

/// [`evaluate`], plus the instants at which the clocks will next need attention (warnings,
/// breaches, auto-close), for the background jobs.
pub fn evaluate_with_schedule(
    policy: &Policy,
    timeline: &Timeline,
    now: Timestamp,
) -> Result<(SlaReport, Schedule), TimelineError> {
    let walk = walk(policy, timeline, now)?;
    let report = report(policy, timeline, &walk, now, false)?;
    let schedule = schedule(policy, timeline, &walk, &report, now)?;
    Ok((report, schedule))
}

fn report(
    policy: &Policy,
    timeline: &Timeline,
    walk: &Walk,
    now: Timestamp,
    explain: bool,
) -> Result<SlaReport, TimelineError> {
    let reaction = reaction_clock(policy, timeline, walk, now, explain)?;
    let resolution = resolution_clock(policy, timeline, walk, now, explain)?;
    let auto_close_at = match walk.waiting_since {
        Some(since) => {
            let rules = &policy.auto_close;
            Some(
                rules
                    .calendar
                    .add_business_seconds(since, rules.after_seconds())?,
            )
        }
        None => None,
    };
    Ok(SlaReport {
        reaction,
        resolution,
        auto_close_at,
    })
}

/// When each alert of a ticket falls due, given no further events. An instant in the past
/// means the moment has passed (the alert is due now if it was never sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    pub reaction_warning_at: Option<Timestamp>,
    pub reaction_breach_at: Option<Timestamp>,
    pub resolution_warning_at: Option<Timestamp>,
    pub resolution_breach_at: Option<Timestamp>,
    pub auto_close_reminder_at: Option<Timestamp>,
    pub auto_close_at: Option<Timestamp>,
    /// From when the ticket counts as breached (one of its clocks over target), if ever.
    pub breached_at: Option<Timestamp>,
}

fn schedule(
    policy: &Policy,
    timeline: &Timeline,
    walk: &Walk,
    report: &SlaReport,
    now: Timestamp,
) -> Result<Schedule, TimelineError> {
    let share = i64::from(policy.warning_share_percent);
    let warning_threshold = |target: i64| (target * share + 99) / 100;
    let mut schedule = Schedule::default();

    // Reaction: one calendar, counted from creation, so thresholds are plain additions.
    let reaction = &report.reaction;
    let reaction_calendar = &policy
        .targets(walk.reaction.map_or(walk.priority, |(_, p)| p))
        .calendar;
    // With exclusions (S5) the thresholds fall where the counted time reaches them.
    let reaction_at = |threshold: i64| -> Result<Timestamp, TimelineError> {
        if timeline.exclusions.is_empty() {
            return Ok(reaction_calendar.add_business_seconds(timeline.created_at, threshold)?);
        }
        let counted = walk.stretches.iter().filter(|s| s.excluded.is_none());
        crossing(reaction_calendar, counted, now, threshold)
    };
    let reaction_breach = reaction_at(reaction.target_seconds + 1)?;
    if reaction.met_at.is_none() {
        schedule.reaction_warning_at =
            Some(reaction_at(warning_threshold(reaction.target_seconds))?);
        schedule.reaction_breach_at = Some(reaction_breach);
    }
    let mut breached_at =
        (reaction.met_at.is_none() || reaction.breached).then_some(reaction_breach);

    // Resolution: thresholds fall inside the stretches in which the clock ran.
    let resolution = &report.resolution;
    if resolution.state != ClockState::Stopped {
        let target = resolution.target_seconds;
        schedule.resolution_warning_at =
            resolution_crossing(policy, walk, report, now, warning_threshold(target))?;
        schedule.resolution_breach_at = resolution_crossing(policy, walk, report, now, target + 1)?;
    }
    let resolution_breach = if resolution.breached {
        resolution_crossing(policy, walk, report, now, resolution.target_seconds + 1)?
    } else {
        schedule.resolution_breach_at
    };
    breached_at = match (breached_at, resolution_breach) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    schedule.breached_at = breached_at;

    if let Some(since) = walk.waiting_since {
        let rules = &policy.auto_close;
        schedule.auto_close_reminder_at = Some(
            rules
                .calendar
                .add_business_seconds(since, rules.reminder_after_seconds())?,
        );
        schedule.auto_close_at = report.auto_close_at;
    }
    Ok(schedule)
}

/// When the resolution clock's counted time reached (or, running on from `now`, will reach)
/// `threshold` business seconds; `None` if it has not and is not running.
fn resolution_crossing(
    policy: &Policy,
    walk: &Walk,
    report: &SlaReport,
    now: Timestamp,
    threshold: i64,
) -> Result<Option<Timestamp>, TimelineError> {
    let calendar = &policy.targets(walk.priority).calendar;
    let elapsed = report.resolution.elapsed_seconds;
    if elapsed < threshold {
        return Ok(match report.resolution.state {
            ClockState::Running => Some(calendar.add_business_seconds(now, threshold - elapsed)?),
            _ => None,
        });
    }
    let mut counted = 0;
    for stretch in &walk.stretches {
        if resolution_state(policy, stretch.status) != ClockState::Running
            || stretch.excluded.is_some()
        {
            continue;
        }
        let seconds = calendar.business_seconds(stretch.start, stretch.end)?;
        if counted + seconds >= threshold {
            return Ok(Some(
                calendar.add_business_seconds(stretch.start, threshold - counted)?,
            ));
        }
        counted += seconds;
    }
    Ok(None)
}

/// Whether the resolution clock runs, pauses or stops in `status`.
fn resolution_state(policy: &Policy, status: Status) -> ClockState {
    if status == Status::Closed {
        ClockState::Stopped
    } else if policy.clocks.resolution_paused_in.contains(&status) {
        ClockState::Paused
    } else {
        ClockState::Running
    }
}

/// Checks the events and cuts the timeline into stretches of constant status and priority.
fn walk(policy: &Policy, timeline: &Timeline, now: Timestamp) -> Result<Walk, TimelineError> {
    let created_at = timeline.created_at;
    if now < created_at {
        return Err(TimelineError::NowBeforeCreation { created_at, now });
    }
    let mut walk = Walk {
        stretches: Vec::with_capacity(timeline.events.len() + 1),
        status: Status::New,
        priority: timeline.class,
        reaction: None,
        waiting_since: None,
    };
    let mut stretch_start = created_at;
    let mut previous = created_at;
    for (index, event) in timeline.events.iter().enumerate() {
        let at = event.at;
        if at < created_at {
            return Err(TimelineError::BeforeCreation {
                index,
                at,
                created_at,
            });
        }
        if at < previous {
            return Err(TimelineError::OutOfOrder {
                index,
                at,
                previous,
            });
        }
        if at > now {
            return Err(TimelineError::AfterNow { index, at, now });
        }
        previous = at;
        match event.kind {
            EventKind::Response => {
                if walk.reaction.is_none() && policy.clocks.reaction_met_by_response {
                    walk.reaction = Some((at, walk.priority));
                }
            }
            EventKind::Status(to) => {
                Transition::between(walk.status, to)
                    .map_err(|source| TimelineError::IllegalMove { index, source })?;
                walk.close_stretch(stretch_start, at);
                stretch_start = at;
                walk.status = to;
                if walk.reaction.is_none() && policy.clocks.reaction_met_by_statuses.contains(&to) {
                    walk.reaction = Some((at, walk.priority));
                }
                walk.waiting_since = (to == policy.auto_close.status).then_some(at);
            }
            EventKind::Priority(to) => {
                if timeline.class == Priority::SaasOutage {
                    return Err(TimelineError::PriorityOfOutage { index });
                }
                if to == Priority::SaasOutage {
                    return Err(TimelineError::PriorityToOutage { index });
                }
                walk.close_stretch(stretch_start, at);
                stretch_start = at;
                walk.priority = to;
            }
        }
    }
    walk.close_stretch(stretch_start, now);
    exclude(&mut walk, timeline, now)?;
    Ok(walk)
}

/// S5: cuts the stretches at the edges of the timeline's exclusions and marks the pieces
/// inside one (the first that covers them) as left out of both clocks.
fn exclude(walk: &mut Walk, timeline: &Timeline, now: Timestamp) -> Result<(), TimelineError> {
    if timeline.exclusions.is_empty() {
        return Ok(());
    }
    let mut edges = Vec::with_capacity(timeline.exclusions.len() * 2);
    for (index, e) in timeline.exclusions.iter().enumerate() {
        if !(e.start < e.end && timeline.created_at <= e.start && e.end <= now) {
            return Err(TimelineError::Exclusion { index });
        }
        edges.extend([e.start, e.end]);
    }
    let mut pieces = Vec::with_capacity(walk.stretches.len() + edges.len());
    for stretch in &walk.stretches {
        let mut cuts: Vec<Timestamp> = edges
            .iter()
            .copied()
            .filter(|at| stretch.start < *at && *at < stretch.end)
            .collect();
        cuts.sort();
        cuts.dedup();
        let mut start = stretch.start;
        for end in cuts.into_iter().chain([stretch.end]) {
            let excluded = timeline
                .exclusions
                .iter()
                .position(|e| e.start <= start && end <= e.end);
            pieces.push(Stretch {
                start,
                end,
                excluded,
                ..*stretch
            });
            start = end;
        }
    }
    walk.stretches = pieces;
    Ok(())
}

/// When `threshold` business seconds of `calendar` have counted in `counted` (stretches in
/// time order from creation), or, short of it, when they will counting on from `now`.
fn crossing<'a>(
    calendar: &Calendar,
    counted: impl Iterator<Item = &'a Stretch>,
    now: Timestamp,
    threshold: i64,
) -> Result<Timestamp, TimelineError> {
    let mut so_far = 0;
    for stretch in counted {
        let seconds = calendar.business_seconds(stretch.start, stretch.end)?;
        if so_far + seconds >= threshold {
            return Ok(calendar.add_business_seconds(stretch.start, threshold - so_far)?);
        }
        so_far += seconds;
    }
    Ok(calendar.add_business_seconds(now, threshold - so_far)?)
}

impl Walk {
    fn close_stretch(&mut self, start: Timestamp, end: Timestamp) {
        if start < end {
            self.stretches.push(Stretch {
                start,
                end,
                status: self.status,
                priority: self.priority,
                excluded: None,
            });
        }
    }
}

fn reaction_clock(
    policy: &Policy,
    timeline: &Timeline,
    walk: &Walk,
    now: Timestamp,
    explain: bool,
) -> Result<ReactionClock, TimelineError> {
    let (end, priority, met_at) = match walk.reaction {
        Some((at, priority)) => (at, priority, Some(at)),
        None => (now, walk.priority, None),
    };
    let targets = policy.targets(priority);
    let calendar = &targets.calendar;
    let clipped = || {
        walk.stretches
            .iter()
            .filter(move |s| s.start < end)
            .map(move |s| Stretch {
                end: s.end.min(end),
                ..*s
            })
    };
    let (elapsed_seconds, due_at) = if timeline.exclusions.is_empty() {
        (
            calendar.business_seconds(timeline.created_at, end)?,
            calendar.add_business_seconds(timeline.created_at, targets.reaction_seconds)?,
        )
    } else {
        let mut elapsed = 0;
        for stretch in clipped().filter(|s| s.excluded.is_none()) {
            elapsed += calendar.business_seconds(stretch.start, stretch.end)?;
        }
        let counted = walk.stretches.iter().filter(|s| s.excluded.is_none());
        (
            elapsed,
            crossing(calendar, counted, now, targets.reaction_seconds)?,
        )
    };
    let intervals = if explain {
        let mut intervals = Vec::new();
        for stretch in clipped() {
            let (counted, reason) = match stretch.excluded {
                None => (
                    true,
                    Text::new("running: no reaction yet", "loopt: nog geen reactie"),
                ),
                Some(index) => (false, excluded_reason(&timeline.exclusions[index])),
            };
            let mut interval = explained(calendar, stretch, counted, reason)?;
            interval.excluded = stretch
                .excluded
                .map(|i| timeline.exclusions[i].category.clone());
            intervals.push(interval);
        }
        Some(intervals)
    } else {
        None
    };
    Ok(ReactionClock {
        target_seconds: targets.reaction_seconds,
        elapsed_seconds,
        due_at,
        met_at,
        breached: elapsed_seconds > targets.reaction_seconds,
        intervals,
    })
}

fn resolution_clock(
    policy: &Policy,
    timeline: &Timeline,
    walk: &Walk,
    now: Timestamp,
    explain: bool,
) -> Result<ResolutionClock, TimelineError> {
    let targets = policy.targets(walk.priority);
    let calendar = &targets.calendar;
    let target = targets.resolution_seconds;
    let state_of = |status: Status| resolution_state(policy, status);
    let mut elapsed_seconds = 0;
    let mut reached_at = None;
    let mut intervals = explain.then(Vec::new);
    for stretch in &walk.stretches {
        let running = state_of(stretch.status) == ClockState::Running && stretch.excluded.is_none();
        if let Some(intervals) = intervals.as_mut() {
            let why = match stretch.excluded {
                Some(index) => excluded_reason(&timeline.exclusions[index]),
                None => reason(state_of(stretch.status), stretch.status),
            };
            let mut interval = explained(calendar, *stretch, running, why)?;
            interval.excluded = stretch
                .excluded
                .map(|i| timeline.exclusions[i].category.clone());
            intervals.push(interval);
        }
        if !running {
            continue;
        }
        let seconds = calendar.business_seconds(stretch.start, stretch.end)?;
        if reached_at.is_none() && elapsed_seconds + seconds >= target {
            reached_at =
                Some(calendar.add_business_seconds(stretch.start, target - elapsed_seconds)?);
        }
        elapsed_seconds += seconds;
    }
    let state = state_of(walk.status);
    let due_at = match reached_at {
        Some(at) => Some(at),
        None if state == ClockState::Running => {
            Some(calendar.add_business_seconds(now, target - elapsed_seconds)?)
        }
        None => None,
    };
    Ok(ResolutionClock {
        target_seconds: target,
        elapsed_seconds,
        state,
        due_at,
        breached: elapsed_seconds > target,
        intervals,
    })
}

/// "excluded: third_party: the data centre's power failed".
fn excluded_reason(exclusion: &Exclusion) -> Text {
    Text::new(
        format!("excluded: {}: {}", exclusion.category, exclusion.reason),
        format!("uitgesloten: {}: {}", exclusion.category, exclusion.reason),
    )
}

fn reason(state: ClockState, status: Status) -> Text {
    let label = status.words();
    match state {
        ClockState::Running => Text::new(
            format!("running: status {}", label.en),
            format!("loopt: status {}", label.nl),
        ),
        ClockState::Paused => Text::new(
            format!("paused: status {}", label.en),
            format!("gepauzeerd: status {}", label.nl),
        ),
        ClockState::Stopped => Text::new("stopped: ticket closed", "gestopt: ticket gesloten"),
    }
}

fn explained(
    calendar: &Calendar,
    stretch: Stretch,
    counted: bool,
    reason: Text,
) -> Result<ExplainedInterval, TimelineError> {
    let periods = if counted {
        calendar
            .open_periods(stretch.start, stretch.end)?
            .into_iter()
            .map(|(start, end)| Period { start, end })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ExplainedInterval {
        start: stretch.start,
        end: stretch.end,
        status: stretch.status,
        priority: stretch.priority,
        business_seconds: calendar.business_seconds(stretch.start, stretch.end)?,
        counted,
        reason,
        excluded: None,
        periods,
    })
}
