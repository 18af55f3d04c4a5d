//! Releases (R1-R3, M1, G4): the monthly release day, the release rings, and the plan of a
//! rollout week. Pure: the calendar and the tenants come in, a plan (or the reason there is
//! none) comes out.
//!
//! The plan, as a SaaS team would draw it by hand:
//! - the rings go in rollout order (Early Access, Preview, Targeted, Broad), each starting on a
//!   day of its own, so that every ring's update has had a night to show its problems before
//!   the next ring begins;
//! - the days are the calendar's working days from the release day on (`rollout_days` of
//!   them); each day holds update slots of `update_window` in the evening (M1: from 18:00) or,
//!   when the policy prefers daytime, in the daytime hours;
//! - a ring's tenants are spread evenly over every slot of its days (never more than
//!   `updates_at_once` in one slot), so that a failed batch hits as few tenants as possible;
//!   the last ring with tenants takes all the days that are left;
//! - a tenant of a contract with update moments agreed in writing (R3, QaaS) is updated at
//!   the first such moment on or after the release day, not in a batch;
//! - a tenant in no ring is listed as such, never silently left out.

#[cfg(test)]
mod tests;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, Window};

/// A release ring (R2), in rollout order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ring {
    EarlyAccess,
    Preview,
    Targeted,
    Broad,
}

impl Ring {
    pub const ALL: [Ring; 4] = [
        Ring::EarlyAccess,
        Ring::Preview,
        Ring::Targeted,
        Ring::Broad,
    ];

    /// Early Access and Preview are for QaaS contracts only (R2, G4).
    pub fn qaas_only(self) -> bool {
        matches!(self, Ring::EarlyAccess | Ring::Preview)
    }

    /// Whether the release newsletter speaks of this ring (R4: Targeted and Broad only).
    pub fn in_newsletter(self) -> bool {
        !self.qaas_only()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ring::EarlyAccess => "early_access",
            Ring::Preview => "preview",
            Ring::Targeted => "targeted",
            Ring::Broad => "broad",
        }
    }

    pub fn parse(word: &str) -> Option<Ring> {
        Ring::ALL.into_iter().find(|r| r.as_str() == word)
    }
}

/// What happens when the month's release day is not a working day (Easter Monday and Whit
/// Monday are first Mondays in 2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnHoliday {
    /// Release on the next working day: nobody is in to handle a rollout's fallout on a public
    /// holiday (the default).
    NextWorkingDay,
    /// Release on the day all the same.
    Keep,
}

/// The release rules of a policy (`[releases]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRules {
    /// The first month with a scheduled release day (R3: from 2026-01-01).
    pub schedule_from: Date,
    /// The release is on the first such weekday of each month.
    pub weekday: Weekday,
    pub on_holiday: OnHoliday,
    /// Working days a rollout is spread over, the release day first.
    pub rollout_days: u32,
    /// One tenant's update window, in seconds.
    pub update_window_seconds: i64,
    /// The most tenants updated in one batch.
    pub updates_at_once: u32,
    /// M1: update in the evening where possible.
    pub prefer_evening: bool,
    /// The local hours update windows fit in, evening and daytime ("18:00-23:00").
    pub evening: Window,
    pub daytime: Window,
    /// R4: the month's newsletter goes out this many working days before the release day, at
    /// `newsletter_at` local time.
    pub newsletter_working_days_before: u32,
    pub newsletter_at: Time,
}

/// Why a release day or a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("no release is scheduled before {0}")]
    BeforeSchedule(Date),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The tenants need more slots than the week has; `fits_with` is the smallest number of
    /// updates at once that makes it fit, if any does.
    #[error(
        "the rollout does not fit in {days} days: it needs {needed_days} days with {updates_at_once} updates at once"
    )]
    DoesNotFit {
        days: u32,
        needed_days: u32,
        updates_at_once: u32,
        fits_with: Option<u32>,
    },
    #[error("the update window does not fit in the hours of a day")]
    NoSlots,
}

/// The release day of a month: its first `weekday`, moved to the next working day when that is
/// a holiday and the rules say so.
pub fn release_day(
    calendar: &Calendar,
    rules: &ReleaseRules,
    year: i16,
    month: i8,
) -> Result<Date, PlanError> {
    let first =
        Date::new(year, month, 1).map_err(|_| PlanError::BeforeSchedule(rules.schedule_from))?;
    if first < rules.schedule_from.first_of_month() {
        return Err(PlanError::BeforeSchedule(rules.schedule_from));
    }
    let mut day = first
        .nth_weekday_of_month(1, rules.weekday)
        .map_err(|_| PlanError::BeforeSchedule(rules.schedule_from))?;
    if rules.on_holiday == OnHoliday::NextWorkingDay {
        while !is_working_day(calendar, day)? {
            day = day
                .tomorrow()
                .map_err(|_| PlanError::BeforeSchedule(rules.schedule_from))?;
        }
    }
    Ok(day)
}

/// R4: when the newsletter of a month's release goes out: `newsletter_working_days_before`
/// working days before the release day (the day itself when 0), at `newsletter_at` in the
/// release calendar's time zone.
pub fn newsletter_moment(
    calendar: &Calendar,
    rules: &ReleaseRules,
    year: i16,
    month: i8,
) -> Result<Timestamp, PlanError> {
    let out_of_range = || PlanError::BeforeSchedule(rules.schedule_from);
    let mut day = release_day(calendar, rules, year, month)?;
    let mut left = rules.newsletter_working_days_before;
    while left > 0 {
        day = day.yesterday().map_err(|_| out_of_range())?;
        if is_working_day(calendar, day)? {
            left -= 1;
        }
    }
    calendar
        .time_zone()
        .to_ambiguous_timestamp(day.to_datetime(rules.newsletter_at))
        .compatible()
        .map_err(|_| out_of_range())
}

fn is_working_day(calendar: &Calendar, date: Date) -> Result<bool, CalendarError> {
    Ok(!calendar.day(date)?.windows.is_empty())
}

/// A moment a QaaS contract agreed in writing for its updates (R3): a weekday and a local time;
/// the tenant is updated at the first such moment on or after the release day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreedMoment {
    pub weekday: Weekday,
    pub at: Time,
}

/// A customer instance to update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: i64,
    pub ring: Option<Ring>,
    /// Agreed update moments (empty: updated in its ring's batches).
    pub agreed: Vec<AgreedMoment>,
}

/// One tenant's update window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpdateWindow {
    pub tenant_id: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// The tenants of a ring updated in one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedBatch {
    /// 1, 2, … over the whole rollout.
    pub number: u32,
    pub ring: Ring,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub tenant_ids: Vec<i64>,
}

/// A rollout week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub batches: Vec<PlannedBatch>,
    /// Tenants updated at a moment their contract agreed, with their ring.
    pub agreed: Vec<(Ring, UpdateWindow)>,
    /// Tenants in no ring: not updated by this rollout until someone assigns them one.
    pub without_ring: Vec<i64>,
}

impl Plan {
    /// Every tenant's update window, in the batches and at agreed moments.
    pub fn windows(&self) -> Vec<UpdateWindow> {
        let mut windows: Vec<UpdateWindow> = self
            .batches
            .iter()
            .flat_map(|b| {
                b.tenant_ids.iter().map(|&tenant_id| UpdateWindow {
                    tenant_id,
                    starts_at: b.starts_at,
                    ends_at: b.ends_at,
                })
            })
            .collect();
        windows.extend(self.agreed.iter().map(|(_, w)| *w));
        windows
    }
}

/// The plan of a rollout that starts on `release_day`.
pub fn plan(
    calendar: &Calendar,
    rules: &ReleaseRules,
    release_day: Date,
    tenants: &[Tenant],
) -> Result<Plan, PlanError> {
    let days = rollout_days(calendar, rules, release_day)?;
    let hours = if rules.prefer_evening {
        rules.evening
    } else {
        rules.daytime
    };
    let slots_per_day = slots_in(hours, rules.update_window_seconds);
    let first_slot = Time::new(
        (hours.start() / 3600) as i8,
        (hours.start() / 60 % 60) as i8,
        (hours.start() % 60) as i8,
        0,
    )
    .map_err(|_| PlanError::NoSlots)?;
    if slots_per_day == 0 {
        return Err(PlanError::NoSlots);
    }
    let at_once = rules.updates_at_once.max(1);

    let mut by_ring: [Vec<i64>; 4] = Default::default();
    let mut agreed = Vec::new();
    let mut without_ring = Vec::new();
    for tenant in tenants {
        match tenant.ring {
            None => without_ring.push(tenant.id),
            Some(ring) if !tenant.agreed.is_empty() => {
                let starts_at = first_agreed(calendar, release_day, &tenant.agreed)?;
                agreed.push((
                    ring,
                    UpdateWindow {
                        tenant_id: tenant.id,
                        starts_at,
                        ends_at: later(starts_at, rules.update_window_seconds),
                    },
                ));
            }
            Some(ring) => by_ring[ring as usize].push(tenant.id),
        }
    }
    agreed.sort_by_key(|(_, w)| (w.starts_at, w.tenant_id));

    let days_needed = |at_once: u32| -> u32 {
        by_ring
            .iter()
            .filter(|ids| !ids.is_empty())
            .map(|ids| {
                let batches = ids.len().div_ceil(at_once as usize);
                u32::try_from(batches.div_ceil(slots_per_day)).unwrap_or(u32::MAX)
            })
            .sum()
    };
    let available = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let needed = days_needed(at_once);
    if needed > available {
        let largest = by_ring.iter().map(Vec::len).max().unwrap_or(0);
        let fits_with = (at_once + 1..=u32::try_from(largest).unwrap_or(u32::MAX))
            .find(|&n| days_needed(n) <= available);
        return Err(PlanError::DoesNotFit {
            days: available,
            needed_days: needed,
            updates_at_once: at_once,
            fits_with,
        });
    }

    let mut batches = Vec::new();
    let mut next_day = 0usize;
    let last_ring = by_ring.iter().rposition(|ids| !ids.is_empty());
    for (index, ids) in by_ring.iter().enumerate() {
        if ids.is_empty() {
            continue;
        }
        let ring = Ring::ALL[index];
        let own_days = if Some(index) == last_ring {
            days.len() - next_day
        } else {
            ids.len().div_ceil(at_once as usize).div_ceil(slots_per_day)
        };
        let ring_days = &days[next_day..next_day + own_days];
        next_day += own_days;
        // Every slot of the ring's days, the tenants dealt out evenly over them.
        let slots = (ring_days.len() * slots_per_day).min(ids.len());
        let per_slot = ids.len() / slots;
        let with_one_more = ids.len() % slots;
        let mut rest = ids.as_slice();
        for slot in 0..slots {
            let take = per_slot + usize::from(slot < with_one_more);
            let (these, others) = rest.split_at(take);
            rest = others;
            // Spread over the days: slot k falls on day k mod days, at its turn of that day.
            let day = ring_days[slot % ring_days.len()];
            let turn = slot / ring_days.len();
            let starts_at = local(calendar, day, first_slot)?
                .checked_add(jiff::SignedDuration::from_secs(
                    rules.update_window_seconds * i64::try_from(turn).unwrap_or(0),
                ))
                .map_err(|_| PlanError::NoSlots)?;
            batches.push(PlannedBatch {
                number: 0,
                ring,
                starts_at,
                ends_at: later(starts_at, rules.update_window_seconds),
                tenant_ids: these.to_vec(),
            });
        }
    }
    batches.sort_by_key(|b| (b.starts_at, b.ring));
    for (i, batch) in batches.iter_mut().enumerate() {
        batch.number = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    Ok(Plan {
        batches,
        agreed,
        without_ring,
    })
}

/// The working days of a rollout, the release day first (even if it is a holiday kept).
fn rollout_days(
    calendar: &Calendar,
    rules: &ReleaseRules,
    release_day: Date,
) -> Result<Vec<Date>, PlanError> {
    let mut days = vec![release_day];
    let mut day = release_day;
    // A fortnight is plenty to find the working days of a week, whatever the holidays.
    for _ in 0..14 {
        if days.len() >= rules.rollout_days.max(1) as usize {
            break;
        }
        day = day.tomorrow().map_err(|_| PlanError::NoSlots)?;
        if is_working_day(calendar, day)? {
            days.push(day);
        }
    }
    Ok(days)
}

fn slots_in(hours: Window, window_seconds: i64) -> usize {
    let length = i64::from(hours.end()) - i64::from(hours.start());
    if window_seconds <= 0 || length <= 0 {
        return 0;
    }
    usize::try_from(length / window_seconds).unwrap_or(0)
}

fn local(calendar: &Calendar, day: Date, at: Time) -> Result<Timestamp, PlanError> {
    day.to_datetime(at)
        .to_zoned_datetime(calendar.time_zone().clone())
        .map(|z| z.timestamp())
        .map_err(|_| PlanError::NoSlots)
}

fn later(at: Timestamp, seconds: i64) -> Timestamp {
    at.checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(at)
}

/// The first agreed moment on or after the release day.
fn first_agreed(
    calendar: &Calendar,
    release_day: Date,
    agreed: &[AgreedMoment],
) -> Result<Timestamp, PlanError> {
    let mut best: Option<Timestamp> = None;
    for moment in agreed {
        let mut day = release_day;
        while day.weekday() != moment.weekday {
            day = day.tomorrow().map_err(|_| PlanError::NoSlots)?;
        }
        let at = local(calendar, day, moment.at)?;
        best = Some(best.map_or(at, |b| b.min(at)));
    }
    best.ok_or(PlanError::NoSlots)
}
