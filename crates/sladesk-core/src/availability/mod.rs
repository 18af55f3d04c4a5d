//! Monthly availability (A1-A3): which outages count as downtime, and the percentage the
//! contract promises, with the working shown interval by interval.
//!
//! Rules, in order:
//! 1. Overlapping or touching down intervals are merged into unbroken outages.
//! 2. The parts covered by an announced maintenance window or by a recorded exclusion
//!    (emergency security maintenance, force majeure, third party, customer-caused) are taken out.
//! 3. Each remaining unbroken piece is downtime only if it lasts at least the minimum (5 min)
//!    as a whole; a piece that crosses the start or end of the month is judged whole and then
//!    split between the months.
//! 4. availability = (month seconds − downtime) / month seconds, the month being a calendar
//!    month in the policy's time zone (so March and October have 743 and 745 hours in Dutch time).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::sla::parse_instant;

/// Why a stretch of unavailability does not count as downtime (A3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExclusionCategory {
    EmergencySecurityMaintenance,
    ForceMajeure,
    ThirdParty,
    CustomerCaused,
}

/// A half-open stretch of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub span: Span,
    pub category: ExclusionCategory,
    pub reason: String,
}

/// What one month's availability is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthInput {
    pub year: i16,
    pub month: i8,
    pub target_percent: f64,
    pub down: Vec<Span>,
    pub maintenance: Vec<Span>,
    pub exclusions: Vec<Exclusion>,
}

/// The rules' numbers (from the policy).
#[derive(Debug, Clone)]
pub struct AvailabilityRules {
    pub time_zone: TimeZone,
    /// An unbroken outage shorter than this is not downtime (A2: 5 minutes).
    pub minimum_outage_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthReport {
    pub month_seconds: i64,
    pub downtime_seconds: i64,
    pub availability_percent: f64,
    pub target_met: bool,
    /// Downtime the target allows this month, in whole seconds.
    pub budget_seconds: i64,
    /// What is left of the budget (zero once it is used up).
    pub budget_left_seconds: i64,
    pub intervals: Vec<ReportedInterval>,
}

/// A stretch of unavailability inside the month and whether it counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedInterval {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub end: Timestamp,
    /// Seconds of this stretch inside the month.
    pub seconds: i64,
    pub counted: bool,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("`{0}` is not a month like \"2026-03\"")]
    BadMonth(String),
    #[error("target_percent must be more than 0 and at most 100, not {0}")]
    BadTarget(String),
    #[error("{what}[{index}]: end ({end}) must be after start ({start})")]
    EmptyInterval {
        what: &'static str,
        index: usize,
        start: Timestamp,
        end: Timestamp,
    },
    #[error("exclusions[{0}]: a reason is required")]
    MissingReason(usize),
    #[error("the month is outside the supported range")]
    OutOfRange,
}

/// Why a piece of an outage was taken out.
#[derive(Debug, Clone, PartialEq)]
enum Cover {
    Maintenance,
    Exclusion(ExclusionCategory, String),
}

/// Computes a month's availability by the rules above.
pub fn compute_month(
    rules: &AvailabilityRules,
    input: &MonthInput,
) -> Result<MonthReport, AvailabilityError> {
    if !(input.target_percent > 0.0 && input.target_percent <= 100.0) {
        return Err(AvailabilityError::BadTarget(
            input.target_percent.to_string(),
        ));
    }
    check_spans("down", &input.down)?;
    check_spans("maintenance", &input.maintenance)?;
    let exclusion_spans: Vec<Span> = input.exclusions.iter().map(|e| e.span).collect();
    check_spans("exclusions", &exclusion_spans)?;
    if let Some(i) = input
        .exclusions
        .iter()
        .position(|e| e.reason.trim().is_empty())
    {
        return Err(AvailabilityError::MissingReason(i));
    }
    let (month_start, month_end) = month_bounds(&rules.time_zone, input.year, input.month)?;
    compute_period(
        rules,
        Span {
            start: month_start,
            end: month_end,
        },
        input,
    )
}

/// The same arithmetic over any period (a day for the status page's bars, a month for the
/// contract). `input.year` and `input.month` are not used; the period is.
pub fn compute_period(
    rules: &AvailabilityRules,
    period: Span,
    input: &MonthInput,
) -> Result<MonthReport, AvailabilityError> {
    let (month_start, month_end) = (period.start, period.end);
    let month_seconds = month_end.as_second() - month_start.as_second();
    if month_seconds <= 0 {
        return Err(AvailabilityError::EmptyInterval {
            what: "period",
            index: 0,
            start: period.start,
            end: period.end,
        });
    }

    // Covers: maintenance first, so a stretch that is both is reported as maintenance.
    let mut covers: Vec<(Span, Cover)> = input
        .maintenance
        .iter()
        .map(|s| (*s, Cover::Maintenance))
        .collect();
    covers.extend(
        input
            .exclusions
            .iter()
            .map(|e| (e.span, Cover::Exclusion(e.category, e.reason.clone()))),
    );

    let mut intervals = Vec::new();
    let mut downtime = 0;
    for outage in merge(&input.down) {
        for (piece, cover) in split_by_covers(outage, &covers) {
            let Some(clipped) = clip(piece, month_start, month_end) else {
                continue;
            };
            let seconds = clipped.end.as_second() - clipped.start.as_second();
            let whole = piece.end.as_second() - piece.start.as_second();
            let (counted, why) = match cover {
                Some(Cover::Maintenance) => (false, "announced maintenance window".to_string()),
                Some(Cover::Exclusion(category, reason)) => (
                    false,
                    format!("excluded ({}): {reason}", category_name(category)),
                ),
                None if whole >= rules.minimum_outage_seconds => (
                    true,
                    format!(
                        "downtime: unbroken outage of {} (at least {})",
                        duration_text(whole),
                        duration_text(rules.minimum_outage_seconds)
                    ),
                ),
                None => (
                    false,
                    format!(
                        "unbroken outage of {}, shorter than {}",
                        duration_text(whole),
                        duration_text(rules.minimum_outage_seconds)
                    ),
                ),
            };
            if counted {
                downtime += seconds;
            }
            intervals.push(ReportedInterval {
                start: clipped.start,
                end: clipped.end,
                seconds,
                counted,
                why,
            });
        }
    }
    let availability_percent = (month_seconds - downtime) as f64 / month_seconds as f64 * 100.0;
    // The allowed downtime, to the second, computed in integers so 99.99 % of 30 days is 259 s.
    let allowed_ten_thousandths = ((100.0 - input.target_percent) * 10_000.0).round() as i64;
    let budget_seconds = month_seconds * allowed_ten_thousandths / 1_000_000;
    Ok(MonthReport {
        month_seconds,
        downtime_seconds: downtime,
        availability_percent: (availability_percent * 1e6).round() / 1e6,
        target_met: downtime * 1_000_000 <= month_seconds * allowed_ten_thousandths,
        budget_seconds,
        budget_left_seconds: (budget_seconds - downtime).max(0),
        intervals,
    })
}

fn check_spans(what: &'static str, spans: &[Span]) -> Result<(), AvailabilityError> {
    for (index, s) in spans.iter().enumerate() {
        if s.end <= s.start {
            return Err(AvailabilityError::EmptyInterval {
                what,
                index,
                start: s.start,
                end: s.end,
            });
        }
    }
    Ok(())
}

/// The instants at which a local calendar month starts and ends.
pub fn month_bounds(
    tz: &TimeZone,
    year: i16,
    month: i8,
) -> Result<(Timestamp, Timestamp), AvailabilityError> {
    let first = Date::new(year, month, 1).map_err(|_| AvailabilityError::OutOfRange)?;
    let next = first
        .checked_add(1.month())
        .map_err(|_| AvailabilityError::OutOfRange)?;
    let start = first
        .to_zoned_datetime(tz.clone())
        .map_err(|_| AvailabilityError::OutOfRange)?
        .timestamp();
    let end = next
        .to_zoned_datetime(tz.clone())
        .map_err(|_| AvailabilityError::OutOfRange)?
        .timestamp();
    Ok((start, end))
}

/// Overlapping or touching spans merged, in order.
fn merge(spans: &[Span]) -> Vec<Span> {
    let mut sorted = spans.to_vec();
    sorted.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Cuts an outage into consecutive pieces, each either covered (by the first cover that
/// covers it) or not. Uncovered pieces are the unbroken stretches judged by their length.
fn split_by_covers(outage: Span, covers: &[(Span, Cover)]) -> Vec<(Span, Option<Cover>)> {
    let mut cuts = vec![outage.start, outage.end];
    for (span, _) in covers {
        for t in [span.start, span.end] {
            if t > outage.start && t < outage.end {
                cuts.push(t);
            }
        }
    }
    cuts.sort();
    cuts.dedup();
    let mut pieces: Vec<(Span, Option<Cover>)> = Vec::new();
    for pair in cuts.windows(2) {
        let piece = Span {
            start: pair[0],
            end: pair[1],
        };
        let cover = covers
            .iter()
            .find(|(s, _)| s.start <= piece.start && s.end >= piece.end)
            .map(|(_, c)| c.clone());
        match pieces.last_mut() {
            // Adjacent pieces with the same verdict are one stretch (an uncovered outage
            // between two cuts is still unbroken).
            Some((last, last_cover)) if *last_cover == cover => last.end = piece.end,
            _ => pieces.push((piece, cover)),
        }
    }
    pieces
}

fn clip(span: Span, start: Timestamp, end: Timestamp) -> Option<Span> {
    let clipped = Span {
        start: span.start.max(start),
        end: span.end.min(end),
    };
    (clipped.start < clipped.end).then_some(clipped)
}

fn category_name(category: ExclusionCategory) -> &'static str {
    match category {
        ExclusionCategory::EmergencySecurityMaintenance => "emergency security maintenance",
        ExclusionCategory::ForceMajeure => "force majeure",
        ExclusionCategory::ThirdParty => "third party",
        ExclusionCategory::CustomerCaused => "customer-caused",
    }
}

/// "4 min 19 s", "2 h 5 min".
pub fn duration_text(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// The JSON input of `sladesk availability compute`.
#[derive(Debug, Clone, Deserialize)]
pub struct MonthInputJson {
    pub month: String,
    /// The policy's target when absent.
    pub target_percent: Option<f64>,
    #[serde(default)]
    pub down: Vec<SpanJson>,
    #[serde(default)]
    pub maintenance: Vec<SpanJson>,
    #[serde(default)]
    pub exclusions: Vec<ExclusionJson>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpanJson {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ExclusionJson {
    pub start: String,
    pub end: String,
    pub category: ExclusionCategory,
    pub reason: String,
}

/// A calendar month written `YYYY-MM`, as (year, month).
pub fn parse_month(text: &str) -> Result<(i16, i8), AvailabilityError> {
    text.split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .and_then(|(y, m)| Some((y.parse::<i16>().ok()?, m.parse::<i8>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .ok_or_else(|| AvailabilityError::BadMonth(text.to_string()))
}

impl MonthInputJson {
    /// Checks the month and the instants, naming the field at fault.
    pub fn parse(self, default_target_percent: f64) -> Result<MonthInput, String> {
        let (year, month) = parse_month(&self.month).map_err(|e| e.to_string())?;
        let span = |what: &str, i: usize, s: &SpanJson| -> Result<Span, String> {
            let start = parse_instant(&s.start).map_err(|e| format!("{what}[{i}].start: {e}"))?;
            let end = parse_instant(&s.end).map_err(|e| format!("{what}[{i}].end: {e}"))?;
            Ok(Span { start, end })
        };
        let down = self
            .down
            .iter()
            .enumerate()
            .map(|(i, s)| span("down", i, s))
            .collect::<Result<_, _>>()?;
        let maintenance = self
            .maintenance
            .iter()
            .enumerate()
            .map(|(i, s)| span("maintenance", i, s))
            .collect::<Result<_, _>>()?;
        let exclusions = self
            .exclusions
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let s = span(
                    "exclusions",
                    i,
                    &SpanJson {
                        start: e.start.clone(),
                        end: e.end.clone(),
                    },
                )?;
                Ok(Exclusion {
                    span: s,
                    category: e.category,
                    reason: e.reason.clone(),
                })
            })
            .collect::<Result<_, String>>()?;
        let target_percent = self.target_percent.unwrap_or(default_target_percent);
        Ok(MonthInput {
            year,
            month,
            target_percent,
            down,
            maintenance,
            exclusions,
        })
    }
}

#[cfg(test)]
mod tests;
