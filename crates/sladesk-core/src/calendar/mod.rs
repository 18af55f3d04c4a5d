//! Business calendars (S1, S2): when the service desk is open, and how much business time lies
//! between two instants. Everything is exact to the second and works on absolute instants.
//!
//! A calendar is built from [`CalendarRules`] (a time zone, opening windows per weekday, holiday
//! rules). For speed it lazily builds one table per local calendar year: the year's opening
//! intervals as absolute instants with running totals. Measuring or adding business time is then
//! a binary search inside a year plus one addition per whole year crossed, so ten years cost
//! about as much as one hour. Time-zone rules (DST) are applied once, when a table is built.

mod holidays;
mod hours;

use std::sync::OnceLock;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

pub use holidays::{HolidayDate, HolidayRule, easter_sunday};
pub use hours::{Clock, DAY_SECONDS, HoursError, Window, check_order};

use crate::text::Text;

/// First and last local year a calendar can answer for.
pub const FIRST_YEAR: i16 = 1900;
pub const LAST_YEAR: i16 = 2399;
const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// What a calendar is made of; built from the policy.
#[derive(Debug, Clone)]
pub struct CalendarRules {
    pub time_zone: TimeZone,
    /// Opening windows per weekday, Monday first.
    pub hours: [Vec<Window>; 7],
    pub holidays: Vec<HolidayRule>,
    /// Extra closing days (company days off), with their names.
    pub closed_days: Vec<(Date, Text)>,
    /// Days on which a holiday rule is lifted: the weekday's normal hours apply.
    pub open_days: Vec<Date>,
}

/// Errors of calendar arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{0} is outside the years {FIRST_YEAR}-{LAST_YEAR} that calendars cover")]
    OutOfRange(Timestamp),
    #[error("a business duration cannot be negative ({0} seconds)")]
    NegativeDuration(i64),
    #[error("the result lies beyond the year {LAST_YEAR} that calendars cover")]
    ResultOutOfRange,
    #[error("the calendar has no opening hours at all")]
    NeverOpen,
    #[error("{weekday}: {error}")]
    Hours {
        weekday: &'static str,
        error: HoursError,
    },
    #[error("time-zone arithmetic failed: {0}")]
    TimeZone(String),
}

/// A business calendar. Cheap to query from many threads at once.
#[derive(Debug)]
pub struct Calendar {
    name: String,
    rules: CalendarRules,
    /// Open every second of every day: business time is wall-clock time (the 24x7 calendar).
    always_open: bool,
    /// Unix second at which each local year starts, plus the end of the last year.
    year_starts: Box<[i64]>,
    tables: Box<[OnceLock<YearTable>]>,
}

/// One opening interval `[start, end)` in Unix seconds, with the business seconds of its year
/// before and including it.
#[derive(Debug, Clone, Copy)]
struct Interval {
    start: i64,
    end: i64,
    cum_before: i64,
    cum_after: i64,
}

#[derive(Debug)]
struct YearTable {
    intervals: Vec<Interval>,
    total: i64,
    /// Closed days of the year with their names, sorted by date.
    holidays: Vec<(Date, Text)>,
}

/// What a calendar says about one local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: Date,
    /// Names of the holidays or closing days on this date (empty on an ordinary day).
    pub holidays: Vec<Text>,
    /// Opening windows this date (empty when closed).
    pub windows: Vec<Window>,
    /// Business seconds this date (differs from the windows' length on a DST change day).
    pub business_seconds: i64,
}

pub const WEEKDAY_KEYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl Calendar {
    /// Builds a calendar; refuses overlapping windows and a calendar that is never open.
    pub fn new(name: impl Into<String>, rules: CalendarRules) -> Result<Calendar, CalendarError> {
        for (weekday, windows) in WEEKDAY_KEYS.iter().zip(&rules.hours) {
            check_order(windows).map_err(|error| CalendarError::Hours { weekday, error })?;
        }
        if rules.hours.iter().all(Vec::is_empty) {
            return Err(CalendarError::NeverOpen);
        }
        let always_open = rules.holidays.is_empty()
            && rules.closed_days.is_empty()
            && rules.hours.iter().all(|w| w.len() == 1 && w[0].whole_day());
        let year_starts = (0..=YEARS)
            .map(|i| {
                let year = FIRST_YEAR + i as i16;
                let jan1 = Date::new(year, 1, 1).map_err(tz_error)?;
                local_instant(&rules.time_zone, jan1, 0)
            })
            .collect::<Result<Box<[i64]>, CalendarError>>()?;
        let tables = (0..YEARS).map(|_| OnceLock::new()).collect();
        Ok(Calendar {
            name: name.into(),
            rules,
            always_open,
            year_starts,
            tables,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.rules.time_zone
    }

    pub fn rules(&self) -> &CalendarRules {
        &self.rules
    }

    /// Business seconds in `[from, to)`; zero when `to` is not after `from`.
    ///
    /// ```
    /// # use sladesk_core::policy::Policy;
    /// let policy = Policy::default_policy();
    /// let office = policy.calendar("office-nl").unwrap();
    /// // Friday 15:00 to Tuesday 11:00, Monday being King's Day 2026: 1.5 h + 2.5 h.
    /// let from = "2026-04-24T15:00:00+02:00".parse().unwrap();
    /// let to = "2026-04-28T11:00:00+02:00".parse().unwrap();
    /// assert_eq!(office.business_seconds(from, to).unwrap(), 4 * 3600);
    /// ```
    pub fn business_seconds(&self, from: Timestamp, to: Timestamp) -> Result<i64, CalendarError> {
        let (a, b) = (from.as_second(), to.as_second());
        let ya = self.year_index(a, from)?;
        let yb = self.year_index(b, to)?;
        if b <= a {
            return Ok(0);
        }
        if self.always_open {
            return Ok(b - a);
        }
        let ta = self.table(ya)?;
        if ya == yb {
            return Ok(position(ta, b) - position(ta, a));
        }
        let mut total = ta.total - position(ta, a);
        for y in ya + 1..yb {
            total += self.table(y)?.total;
        }
        Ok(total + position(self.table(yb)?, b))
    }

    /// The earliest instant at which `seconds` business seconds have elapsed from `start`.
    /// A start outside office hours begins counting at the next opening; a duration that runs
    /// out exactly at closing time ends at the closing time, not at the next opening.
    /// Zero seconds returns `start` itself.
    pub fn add_business_seconds(
        &self,
        start: Timestamp,
        seconds: i64,
    ) -> Result<Timestamp, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration(seconds));
        }
        let s = start.as_second();
        let mut y = self.year_index(s, start)?;
        if seconds == 0 {
            return Ok(start);
        }
        if self.always_open {
            let end = s
                .checked_add(seconds)
                .ok_or(CalendarError::ResultOutOfRange)?;
            if end >= self.year_starts[YEARS] {
                return Err(CalendarError::ResultOutOfRange);
            }
            return to_timestamp(end);
        }
        let mut need = position(self.table(y)?, s) + seconds;
        let table = loop {
            let table = self.table(y)?;
            if need <= table.total {
                break table;
            }
            need -= table.total;
            y += 1;
            if y >= YEARS {
                return Err(CalendarError::ResultOutOfRange);
            }
        };
        let i = table.intervals.partition_point(|iv| iv.cum_after < need);
        let iv = table.intervals[i];
        to_timestamp(iv.start + (need - iv.cum_before))
    }

    /// Whether the office is open at `instant` (opening windows are `[start, end)`).
    pub fn is_open(&self, instant: Timestamp) -> Result<bool, CalendarError> {
        let t = instant.as_second();
        let y = self.year_index(t, instant)?;
        if self.always_open {
            return Ok(true);
        }
        let table = self.table(y)?;
        let i = table.intervals.partition_point(|iv| iv.end <= t);
        Ok(table.intervals.get(i).is_some_and(|iv| iv.start <= t))
    }

    /// The earliest instant at or after `instant` at which the office is open.
    pub fn next_opening(&self, instant: Timestamp) -> Result<Timestamp, CalendarError> {
        let t = instant.as_second();
        let mut y = self.year_index(t, instant)?;
        if self.always_open {
            return Ok(instant);
        }
        let table = self.table(y)?;
        let i = table.intervals.partition_point(|iv| iv.end <= t);
        if let Some(iv) = table.intervals.get(i) {
            return if iv.start <= t {
                Ok(instant)
            } else {
                to_timestamp(iv.start)
            };
        }
        loop {
            y += 1;
            if y >= YEARS {
                return Err(CalendarError::ResultOutOfRange);
            }
            if let Some(iv) = self.table(y)?.intervals.first() {
                return to_timestamp(iv.start);
            }
        }
    }

    /// The opening periods that intersect `[from, to)`, clipped to it, in order. Its cost grows
    /// with the number of periods: meant for explaining a clock, not for arithmetic.
    pub fn open_periods(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Timestamp, Timestamp)>, CalendarError> {
        let (a, b) = (from.as_second(), to.as_second());
        let ya = self.year_index(a, from)?;
        let yb = self.year_index(b, to)?;
        if b <= a {
            return Ok(Vec::new());
        }
        if self.always_open {
            return Ok(vec![(from, to)]);
        }
        let mut periods = Vec::new();
        for y in ya..=yb {
            let table = self.table(y)?;
            let first = table.intervals.partition_point(|iv| iv.end <= a);
            for iv in &table.intervals[first..] {
                if iv.start >= b {
                    break;
                }
                periods.push((to_timestamp(iv.start.max(a))?, to_timestamp(iv.end.min(b))?));
            }
        }
        Ok(periods)
    }

    /// What the calendar says about a local date: holidays, opening windows, business time.
    pub fn day(&self, date: Date) -> Result<Day, CalendarError> {
        let year = date.year();
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            let instant = date
                .to_zoned_datetime(self.rules.time_zone.clone())
                .map_err(tz_error)?;
            return Err(CalendarError::OutOfRange(instant.timestamp()));
        }
        let table = self.table((year - FIRST_YEAR) as usize)?;
        let holidays: Vec<Text> = table
            .holidays
            .iter()
            .filter(|(d, _)| *d == date)
            .map(|(_, name)| name.clone())
            .collect();
        let windows = if holidays.is_empty() {
            self.rules.hours[weekday_index(date)].clone()
        } else {
            vec![]
        };
        let mut business_seconds = 0;
        for w in &windows {
            let start = local_instant(&self.rules.time_zone, date, w.start())?;
            let end = local_instant(&self.rules.time_zone, date, w.end())?;
            business_seconds += (end - start).max(0);
        }
        Ok(Day {
            date,
            holidays,
            windows,
            business_seconds,
        })
    }

    fn year_index(&self, second: i64, instant: Timestamp) -> Result<usize, CalendarError> {
        if second < self.year_starts[0] || second >= self.year_starts[YEARS] {
            return Err(CalendarError::OutOfRange(instant));
        }
        Ok(self.year_starts.partition_point(|start| *start <= second) - 1)
    }

    fn table(&self, index: usize) -> Result<&YearTable, CalendarError> {
        if let Some(table) = self.tables[index].get() {
            return Ok(table);
        }
        let built = self.build_year(FIRST_YEAR + index as i16)?;
        Ok(self.tables[index].get_or_init(|| built))
    }

    fn build_year(&self, year: i16) -> Result<YearTable, CalendarError> {
        let holidays = self.holidays_in(year);
        let mut intervals: Vec<Interval> = Vec::with_capacity(270);
        let mut total = 0;
        let mut date = Date::new(year, 1, 1).map_err(tz_error)?;
        while date.year() == year {
            if !holidays.iter().any(|(d, _)| *d == date) {
                for w in &self.rules.hours[weekday_index(date)] {
                    let start = local_instant(&self.rules.time_zone, date, w.start())?;
                    let end = local_instant(&self.rules.time_zone, date, w.end())?;
                    if end <= start {
                        continue; // a window that vanished in a DST gap
                    }
                    total += end - start;
                    match intervals.last_mut() {
                        Some(last) if last.end >= start => {
                            last.end = last.end.max(end);
                            last.cum_after = total;
                        }
                        _ => intervals.push(Interval {
                            start,
                            end,
                            cum_before: total - (end - start),
                            cum_after: total,
                        }),
                    }
                }
            }
            date = match date.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        Ok(YearTable {
            intervals,
            total,
            holidays,
        })
    }

    /// Closed days of `year` by the rules, the explicit closing days, less the lifted days.
    fn holidays_in(&self, year: i16) -> Vec<(Date, Text)> {
        let mut days: Vec<(Date, Text)> = Vec::new();
        for rule in &self.rules.holidays {
            // A moving rule can push a holiday across New Year, so look at the neighbours too.
            for y in [year - 1, year, year + 1] {
                if let Some(date) = rule.date_in(y).filter(|d| d.year() == year) {
                    days.push((date, rule.name.clone()));
                }
            }
        }
        days.retain(|(date, _)| !self.rules.open_days.contains(date));
        days.extend(
            self.rules
                .closed_days
                .iter()
                .filter(|(d, _)| d.year() == year)
                .cloned(),
        );
        days.sort_by_key(|(date, _)| *date);
        days
    }
}

/// Business seconds of a year table before instant `t`.
fn position(table: &YearTable, t: i64) -> i64 {
    let i = table.intervals.partition_point(|iv| iv.end <= t);
    match table.intervals.get(i) {
        None => table.total,
        Some(iv) if t <= iv.start => iv.cum_before,
        Some(iv) => iv.cum_before + (t - iv.start),
    }
}

fn weekday_index(date: Date) -> usize {
    match date.weekday() {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// The instant of local wall time `seconds` after midnight on `date`. A wall time the clocks
/// skip (a DST gap) means the moment of the jump; a repeated one (a fold) its first occurrence.
fn local_instant(tz: &TimeZone, date: Date, seconds: u32) -> Result<i64, CalendarError> {
    let (date, seconds) = if seconds >= DAY_SECONDS {
        (date.tomorrow().map_err(tz_error)?, 0)
    } else {
        (date, seconds)
    };
    let time = Time::new(
        (seconds / 3600) as i8,
        (seconds / 60 % 60) as i8,
        (seconds % 60) as i8,
        0,
    )
    .map_err(tz_error)?;
    let ambiguous = tz.to_ambiguous_timestamp(date.to_datetime(time));
    if let AmbiguousOffset::Gap { .. } = ambiguous.offset() {
        let later = ambiguous.later().map_err(tz_error)?;
        let probe = later
            .checked_add(SignedDuration::from_secs(1))
            .map_err(tz_error)?;
        let jump = tz
            .preceding(probe)
            .next()
            .map_or(later, |transition| transition.timestamp());
        return Ok(jump.as_second());
    }
    Ok(ambiguous.compatible().map_err(tz_error)?.as_second())
}

fn to_timestamp(second: i64) -> Result<Timestamp, CalendarError> {
    Timestamp::from_second(second).map_err(|_| CalendarError::ResultOutOfRange)
}

fn tz_error(error: jiff::Error) -> CalendarError {
    CalendarError::TimeZone(error.to_string())
}

#[cfg(test)]
mod tests;
