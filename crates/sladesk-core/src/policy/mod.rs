//! The SLA policy: every number of the SLA (calendars, targets, pausing statuses, auto-close,
//! triage defaults) as data. The built-in policy is `default.toml`, the vendor's basis-SLA; a
//! policy file or a contract's own policy (G2) is laid over it key by key.

mod diff;
mod spec;

pub use diff::{KeyChange, diff};

pub use spec::ResourceThresholds;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::availability::AvailabilityRules;
use crate::billing::{BillingRules, Blocks};
use crate::calendar::{Calendar, CalendarRules, HolidayDate, HolidayRule, WEEKDAY_KEYS, Window};
use crate::continuity::{ContinuityRules, Retention};
use crate::fairuse::{CohortBy, FairUseRules};
use crate::releases::{OnHoliday, ReleaseRules};
use crate::tickets::AttachmentRules;
use crate::tickets::{Environment, Priority, Status};
use spec::{CalendarSpec, PolicySpec};

/// The built-in policy text.
pub const DEFAULT_POLICY_TOML: &str = include_str!("default.toml");

/// Why a policy was refused. Every variant names the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid TOML: {0}")]
    Syntax(String),
    #[error("policy key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl ToString) -> PolicyError {
    PolicyError::Invalid {
        key: key.into(),
        message: message.to_string(),
    }
}

/// A checked SLA policy, ready for clock evaluation.
#[derive(Debug)]
pub struct Policy {
    /// The policy's version label, e.g. `basis-2026-03-01`.
    pub version: String,
    calendars: BTreeMap<String, Arc<Calendar>>,
    priorities: [PriorityTargets; 4],
    pub clocks: ClockRules,
    pub auto_close: AutoCloseRules,
    pub triage: Triage,
    /// Share of a target at which the assigned line is warned, in percent.
    pub warning_share_percent: u8,
    /// Monthly availability rules (A1-A3).
    pub availability: AvailabilityRules,
    /// The monthly availability target, in percent (A1).
    pub availability_target_percent: f64,
    /// Failed checks in a row that confirm a monitor is failing.
    pub failures_to_confirm: u32,
    /// M1: days of notice for regular maintenance, and the local hour it should start from.
    pub maintenance_notice_days: u32,
    pub maintenance_preferred_from_hour: u8,
    pub resource_thresholds: ResourceThresholds,
    /// G3: days between publishing a material change and its taking effect, at least; and the
    /// days after the announcement within which a customer may terminate because of it.
    pub versions: VersionRules,
    /// R1-R3: the release day and the rollout week, and the calendar that decides them.
    pub releases: ReleaseRules,
    pub release_calendar: Arc<Calendar>,
    /// C2: consultancy rates and blocks (a contract's policy may set its own, G2).
    pub billing: BillingRules,
    /// F1-F2: the excessive-use rule, the grace period and the measures.
    pub fair_use: FairUsePolicy,
    /// D1-D2: the recovery point, backups and their retention, the RTO table.
    pub continuity: ContinuityRules,
    /// T5: the files a ticket may hold.
    pub attachments: AttachmentRules,
    /// The effective policy as TOML, after all overlays.
    effective: toml::Table,
}

/// G3: notice of material changes and the window to terminate because of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRules {
    pub notice_days: u32,
    pub termination_window_days: u32,
}

/// The targets of one priority (S3).
#[derive(Debug)]
pub struct PriorityTargets {
    pub calendar: Arc<Calendar>,
    pub reaction_seconds: i64,
    pub resolution_seconds: i64,
    /// The non-binding "in practice" shares: (percent, within seconds).
    pub indicative_resolution: Vec<(u8, i64)>,
}

/// What stops the reaction clock and pauses the resolution clock (S4).
#[derive(Debug, Clone)]
pub struct ClockRules {
    pub reaction_met_by_response: bool,
    pub reaction_met_by_statuses: Vec<Status>,
    pub resolution_paused_in: Vec<Status>,
}

/// Administrative closing after a customer's silence (T7).
#[derive(Debug)]
pub struct AutoCloseRules {
    pub status: Status,
    pub calendar: Arc<Calendar>,
    pub working_days: u32,
    pub working_day_seconds: i64,
    pub reminder_working_days_before: u32,
}

impl AutoCloseRules {
    /// Business seconds of silence after which a ticket is closed.
    pub fn after_seconds(&self) -> i64 {
        i64::from(self.working_days) * self.working_day_seconds
    }

    /// Business seconds of silence after which the customer is reminded.
    pub fn reminder_after_seconds(&self) -> i64 {
        i64::from(
            self.working_days
                .saturating_sub(self.reminder_working_days_before),
        ) * self.working_day_seconds
    }
}

/// Priority of an untriaged ticket by environment (T6).
#[derive(Debug, Clone, Copy)]
pub struct Triage {
    pub production: Priority,
    pub acceptance: Priority,
    pub test: Priority,
}

impl Triage {
    pub fn default_priority(&self, environment: Environment) -> Priority {
        match environment {
            Environment::Production => self.production,
            Environment::Acceptance => self.acceptance,
            Environment::Test => self.test,
        }
    }
}

impl Policy {
    /// The built-in basis-SLA.
    pub fn default_policy() -> Policy {
        Policy::with_overlays(&[]).expect("the built-in policy is valid")
    }

    /// The built-in policy with each overlay (TOML text) laid over it in turn.
    pub fn with_overlays(overlays: &[&str]) -> Result<Policy, PolicyError> {
        let mut merged = parse_table(DEFAULT_POLICY_TOML)?;
        for overlay in overlays {
            merge(&mut merged, parse_table(overlay)?);
        }
        Policy::from_table(merged)
    }

    fn from_table(table: toml::Table) -> Result<Policy, PolicyError> {
        let spec: PolicySpec = serde_path_to_error::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| {
                let path = e.path().to_string();
                invalid(
                    if path == "." {
                        "(top level)".to_string()
                    } else {
                        path
                    },
                    e.into_inner(),
                )
            })?;
        let mut calendars = BTreeMap::new();
        for (name, calendar) in &spec.calendars {
            calendars.insert(name.clone(), Arc::new(build_calendar(name, calendar)?));
        }
        let find_calendar = |key: String, name: &str| {
            calendars.get(name).cloned().ok_or_else(|| {
                let known = calendars.keys().cloned().collect::<Vec<_>>().join(", ");
                invalid(key, format!("unknown calendar `{name}` (known: {known})"))
            })
        };
        let mut priorities = Vec::with_capacity(4);
        for &priority in Priority::ALL {
            let p = spec.priorities.get(priority);
            let key = format!("priorities.{priority}");
            let mut indicative = Vec::new();
            for (i, share) in p.indicative_resolution.iter().enumerate() {
                if !(1..=100).contains(&share.share_percent) {
                    let key = format!("{key}.indicative_resolution[{i}].share_percent");
                    return Err(invalid(key, "must be between 1 and 100"));
                }
                indicative.push((share.share_percent, share.within.0));
            }
            priorities.push(PriorityTargets {
                calendar: find_calendar(format!("{key}.calendar"), &p.calendar)?,
                reaction_seconds: p.reaction.0,
                resolution_seconds: p.resolution.0,
                indicative_resolution: indicative,
            });
        }
        let auto_close = &spec.auto_close;
        if auto_close.status == Status::Closed {
            return Err(invalid(
                "auto_close.status",
                "a closed ticket cannot be closed again",
            ));
        }
        if auto_close.working_days == 0 {
            return Err(invalid("auto_close.working_days", "must be at least 1"));
        }
        if auto_close.reminder_working_days_before >= auto_close.working_days {
            return Err(invalid(
                "auto_close.reminder_working_days_before",
                "must be less than auto_close.working_days",
            ));
        }
        let availability = &spec.availability;
        if !(availability.target_percent > 0.0 && availability.target_percent <= 100.0) {
            return Err(invalid(
                "availability.target_percent",
                "must be more than 0 and at most 100",
            ));
        }
        let availability_zone = TimeZone::get(&availability.time_zone).map_err(|_| {
            invalid(
                "availability.time_zone",
                format!("`{}` is not an IANA time zone", availability.time_zone),
            )
        })?;
        if availability.failures_to_confirm == 0 {
            return Err(invalid(
                "availability.failures_to_confirm",
                "must be at least 1",
            ));
        }
        if availability.maintenance_preferred_from_hour > 23 {
            return Err(invalid(
                "availability.maintenance_preferred_from_hour",
                "must be an hour from 0 to 23",
            ));
        }
        let release_calendar = find_calendar("releases.calendar".into(), &spec.releases.calendar)?;
        let releases = release_rules(&spec.releases)?;
        let billing = billing_rules(&spec.billing)?;
        let fair_use = fair_use_policy(&spec.fair_use)?;
        let continuity = continuity_rules(&spec.continuity)?;
        let attachments = attachment_rules(&spec.attachments)?;
        if !(1..=99).contains(&spec.warnings.share_percent) {
            return Err(invalid(
                "warnings.share_percent",
                "must be between 1 and 99",
            ));
        }
        Ok(Policy {
            version: spec.version.clone(),
            priorities: priorities.try_into().expect("one entry per priority"),
            clocks: ClockRules {
                reaction_met_by_response: spec.clocks.reaction_met_by_response,
                reaction_met_by_statuses: spec.clocks.reaction_met_by_statuses.clone(),
                resolution_paused_in: spec.clocks.resolution_paused_in.clone(),
            },
            auto_close: AutoCloseRules {
                status: auto_close.status,
                calendar: find_calendar("auto_close.calendar".into(), &auto_close.calendar)?,
                working_days: auto_close.working_days,
                working_day_seconds: auto_close.working_day.0,
                reminder_working_days_before: auto_close.reminder_working_days_before,
            },
            triage: Triage {
                production: spec.triage.production,
                acceptance: spec.triage.acceptance,
                test: spec.triage.test,
            },
            warning_share_percent: spec.warnings.share_percent,
            availability: AvailabilityRules {
                time_zone: availability_zone,
                minimum_outage_seconds: availability.minimum_outage.0,
            },
            availability_target_percent: availability.target_percent,
            failures_to_confirm: availability.failures_to_confirm,
            maintenance_notice_days: availability.maintenance_notice_days,
            maintenance_preferred_from_hour: availability.maintenance_preferred_from_hour,
            resource_thresholds: availability.resource_thresholds,
            versions: VersionRules {
                notice_days: spec.versions.notice_days,
                termination_window_days: spec.versions.termination_window_days,
            },
            releases,
            release_calendar,
            billing,
            fair_use,
            continuity,
            attachments,
            calendars,
            effective: table,
        })
    }

    /// A calendar of the policy by name (`office-nl`, `24x7`, or one the policy defines).
    pub fn calendar(&self, name: &str) -> Option<&Arc<Calendar>> {
        self.calendars.get(name)
    }

    pub fn calendar_names(&self) -> impl Iterator<Item = &str> {
        self.calendars.keys().map(String::as_str)
    }

    /// The targets and calendar of a priority.
    pub fn targets(&self, priority: Priority) -> &PriorityTargets {
        &self.priorities[priority as usize]
    }

    /// The effective policy, all overlays applied, as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.effective).unwrap_or_default()
    }
}

fn parse_table(text: &str) -> Result<toml::Table, PolicyError> {
    text.parse::<toml::Table>()
        .map_err(|e| PolicyError::Syntax(e.to_string()))
}

/// Lays `overlay` over `base`: tables merge key by key, every other value is replaced whole.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
                merge(existing, incoming)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn build_calendar(name: &str, spec: &CalendarSpec) -> Result<Calendar, PolicyError> {
    let key = format!("calendars.{name}");
    let time_zone = TimeZone::get(&spec.time_zone).map_err(|_| {
        invalid(
            format!("{key}.time_zone"),
            format!("`{}` is not an IANA time zone", spec.time_zone),
        )
    })?;
    let mut hours: [Vec<Window>; 7] = Default::default();
    for (day, (windows, weekday)) in spec.hours.days().into_iter().zip(WEEKDAY_KEYS).enumerate() {
        for (i, text) in windows.iter().enumerate() {
            let window = text
                .parse::<Window>()
                .map_err(|e| invalid(format!("{key}.hours.{weekday}[{i}]"), e))?;
            hours[day].push(window);
        }
    }
    let mut holidays = Vec::new();
    for (id, h) in &spec.holidays {
        let hkey = format!("{key}.holidays.{id}");
        if !h.enabled {
            continue;
        }
        let date = match (&h.date, h.easter_offset) {
            (Some(text), None) => {
                let (month, day) = parse_month_day(text).ok_or_else(|| {
                    invalid(
                        format!("{hkey}.date"),
                        format!("`{text}` is not a date like \"12-25\""),
                    )
                })?;
                HolidayDate::Fixed { month, day }
            }
            (None, Some(offset)) => HolidayDate::EasterOffset(offset),
            _ => {
                return Err(invalid(
                    hkey,
                    "give exactly one of `date` and `easter_offset`",
                ));
            }
        };
        if h.years_divisible_by == Some(0) {
            return Err(invalid(
                format!("{hkey}.years_divisible_by"),
                "must be at least 1",
            ));
        }
        holidays.push(HolidayRule {
            name: h.name.clone(),
            date,
            sunday_to_saturday: h.sunday_to_saturday,
            years_divisible_by: h.years_divisible_by,
            from_year: h.from_year,
            until_year: h.until_year,
        });
    }
    let parse_date = |key: String, text: &str| {
        text.parse::<Date>()
            .map_err(|_| invalid(key, format!("`{text}` is not a date like \"2026-12-24\"")))
    };
    let mut closed_days = Vec::new();
    for (i, day) in spec.closed_days.iter().enumerate() {
        let date = parse_date(format!("{key}.closed_days[{i}].date"), &day.date)?;
        closed_days.push((date, day.name.clone()));
    }
    let mut open_days = Vec::new();
    for (i, text) in spec.open_days.iter().enumerate() {
        open_days.push(parse_date(format!("{key}.open_days[{i}]"), text)?);
    }
    let rules = CalendarRules {
        time_zone,
        hours,
        holidays,
        closed_days,
        open_days,
    };
    Calendar::new(name, rules).map_err(|e| invalid(key, e))
}

fn parse_month_day(text: &str) -> Option<(i8, i8)> {
    let (month, day) = text.split_once('-')?;
    let (month, day): (i8, i8) = (month.parse().ok()?, day.parse().ok()?);
    // 2000 is a leap year, so 29 February is accepted (and skipped in other years).
    Date::new(2000, month, day).ok()?;
    Some((month, day))
}

#[cfg(test)]
mod tests;

/// The `[billing]` section, checked: rates from 1 cent to €100,000 an hour, blocks of at
/// most a week of work.
fn billing_rules(spec: &spec::BillingSpec) -> Result<BillingRules, PolicyError> {
    let rate = |key: &str, cents: i64| -> Result<i64, PolicyError> {
        match (1..=10_000_000).contains(&cents) {
            true => Ok(cents),
            false => Err(invalid(key, "must be whole cents from 1 to 10000000")),
        }
    };
    let span = |key: &str, d: &spec::DurationSpec| -> Result<i64, PolicyError> {
        match d.0 <= 7 * 24 * 3600 {
            true => Ok(d.0),
            false => Err(invalid(key, "must be at most a week")),
        }
    };
    Ok(BillingRules {
        ad_hoc_support_cents_per_hour: rate(
            "billing.ad_hoc_support_cents_per_hour",
            spec.ad_hoc_support_cents_per_hour,
        )?,
        ad_hoc_qaas_cents_per_hour: rate(
            "billing.ad_hoc_qaas_cents_per_hour",
            spec.ad_hoc_qaas_cents_per_hour,
        )?,
        non_platform_cents_per_hour: rate(
            "billing.non_platform_cents_per_hour",
            spec.non_platform_cents_per_hour,
        )?,
        ad_hoc_blocks: Blocks {
            minimum_seconds: span("billing.ad_hoc_minimum", &spec.ad_hoc_minimum)?,
            block_seconds: span("billing.ad_hoc_block", &spec.ad_hoc_block)?,
        },
        non_platform_blocks: Blocks {
            minimum_seconds: span("billing.non_platform_minimum", &spec.non_platform_minimum)?,
            block_seconds: span("billing.non_platform_block", &spec.non_platform_block)?,
        },
    })
}

/// F1-F2 as the policy says them.
#[derive(Debug, Clone, PartialEq)]
pub struct FairUsePolicy {
    pub rules: FairUseRules,
    pub grace_days: u32,
    /// The measures a tenant's use is counted in (`api_calls`, …), in the policy's order.
    pub measures: Vec<String>,
    /// What makes customer environments comparable.
    pub cohort: CohortBy,
    /// When, in the policy's time zone, the daily run judges the day before.
    pub run_at: jiff::civil::Time,
}

/// The `[fair_use]` section, checked: a factor above 1, a window of 1 to 366 days, a cohort of
/// at least one other, a grace period of at most 90 days, measures named in lower case.
fn fair_use_policy(spec: &spec::FairUseSpec) -> Result<FairUsePolicy, PolicyError> {
    if !(spec.factor.is_finite() && spec.factor > 1.0 && spec.factor <= 1000.0) {
        return Err(invalid(
            "fair_use.factor",
            "must be above 1 and at most 1000",
        ));
    }
    if !(1..=366).contains(&spec.window_days) {
        return Err(invalid("fair_use.window_days", "must be 1 to 366"));
    }
    if !(1..=1000).contains(&spec.min_cohort) {
        return Err(invalid("fair_use.min_cohort", "must be 1 to 1000"));
    }
    if spec.grace_days > 90 {
        return Err(invalid("fair_use.grace_days", "must be at most 90"));
    }
    let named = |m: &String| {
        (1..=40).contains(&m.len())
            && m.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let mut seen = std::collections::BTreeSet::new();
    if spec.measures.is_empty()
        || spec.measures.len() > 50
        || !spec
            .measures
            .iter()
            .all(|m| named(m) && seen.insert(m.clone()))
    {
        return Err(invalid(
            "fair_use.measures",
            "must be 1 to 50 different names of lower-case letters, digits and _",
        ));
    }
    let cohort = match spec.cohort.as_str() {
        "tier_and_size_class" => CohortBy::TierAndSizeClass,
        "tier" => CohortBy::Tier,
        _ => {
            return Err(invalid(
                "fair_use.cohort",
                "must be tier_and_size_class or tier",
            ));
        }
    };
    let run_at = spec
        .run_at
        .parse::<jiff::civil::Time>()
        .ok()
        .filter(|t| t.subsec_nanosecond() == 0 && t.second() == 0)
        .ok_or_else(|| invalid("fair_use.run_at", "must be a time of day like 06:00"))?;
    Ok(FairUsePolicy {
        cohort,
        run_at,
        rules: FairUseRules {
            factor: spec.factor,
            window_days: spec.window_days,
            min_cohort: spec.min_cohort,
        },
        grace_days: spec.grace_days,
        measures: spec.measures.clone(),
    })
}

/// The `[attachments]` section, checked: a file of at least a kilobyte and at most a gigabyte,
/// a ticket that holds at least one of the largest files, and at least one file a ticket.
fn attachment_rules(spec: &spec::AttachmentsSpec) -> Result<AttachmentRules, PolicyError> {
    const KB: u64 = 1024;
    const GB: u64 = 1024 * 1024 * 1024;
    if !(KB..=GB).contains(&spec.max_file_bytes) {
        return Err(invalid(
            "attachments.max_file_bytes",
            "must be 1 KiB to 1 GiB",
        ));
    }
    if !(spec.max_file_bytes..=100 * GB).contains(&spec.max_ticket_bytes) {
        return Err(invalid(
            "attachments.max_ticket_bytes",
            "must be at least attachments.max_file_bytes and at most 100 GiB",
        ));
    }
    if !(1..=10_000).contains(&spec.max_files_per_ticket) {
        return Err(invalid(
            "attachments.max_files_per_ticket",
            "must be 1 to 10000",
        ));
    }
    if spec.mail_up_to_bytes > GB {
        return Err(invalid(
            "attachments.mail_up_to_bytes",
            "must be at most 1 GiB",
        ));
    }
    Ok(AttachmentRules {
        max_file_bytes: spec.max_file_bytes,
        max_ticket_bytes: spec.max_ticket_bytes,
        max_files_per_ticket: spec.max_files_per_ticket,
        mail_up_to_bytes: spec.mail_up_to_bytes,
    })
}

/// The `[continuity]` section, checked: a backup at least as often as the recovery point asks
/// and at least a minute apart, at least one daily backup kept, recovery times of a minute to a
/// year that do not shrink as the scenario grows (a lost data centre is never recovered sooner
/// than a lost table: the larger recovery includes the smaller).
fn continuity_rules(spec: &spec::ContinuitySpec) -> Result<ContinuityRules, PolicyError> {
    const YEAR: i64 = 366 * 86_400;
    if !(60..=YEAR).contains(&spec.rpo.0) {
        return Err(invalid("continuity.rpo", "must be a minute to a year"));
    }
    if !(60..=spec.rpo.0).contains(&spec.backup_every.0) {
        return Err(invalid(
            "continuity.backup_every",
            "must be at least a minute and at most the recovery point (continuity.rpo)",
        ));
    }
    if !(1..=1000).contains(&spec.keep_daily) {
        return Err(invalid("continuity.keep_daily", "must be 1 to 1000"));
    }
    if spec.keep_weekly > 1000 {
        return Err(invalid("continuity.keep_weekly", "must be at most 1000"));
    }
    if spec.keep_monthly > 1000 {
        return Err(invalid("continuity.keep_monthly", "must be at most 1000"));
    }
    let table = [
        ("continuity.rto_data_loss", spec.rto_data_loss.0),
        ("continuity.rto_instance_loss", spec.rto_instance_loss.0),
        ("continuity.rto_system_loss", spec.rto_system_loss.0),
        ("continuity.rto_location_loss", spec.rto_location_loss.0),
        ("continuity.rto_operation_loss", spec.rto_operation_loss.0),
    ];
    let mut smaller = 0;
    for (key, seconds) in table {
        if !(60..=YEAR).contains(&seconds) {
            return Err(invalid(key, "must be a minute to a year"));
        }
        if seconds < smaller {
            return Err(invalid(
                key,
                "must not be shorter than the recovery time of a smaller scenario",
            ));
        }
        smaller = seconds;
    }
    Ok(ContinuityRules::new(
        spec.rpo.0,
        spec.backup_every.0,
        Retention {
            daily: spec.keep_daily,
            weekly: spec.keep_weekly,
            monthly: spec.keep_monthly,
        },
        table.map(|(_, seconds)| seconds),
    ))
}

/// The `[releases]` section, checked.
fn release_rules(spec: &spec::ReleasesSpec) -> Result<ReleaseRules, PolicyError> {
    let schedule_from: jiff::civil::Date = spec
        .schedule_from
        .parse()
        .map_err(|_| invalid("releases.schedule_from", "must be a date like 2026-01-01"))?;
    let weekday = WEEKDAY_KEYS
        .iter()
        .position(|k| *k == spec.weekday)
        .and_then(|i| jiff::civil::Weekday::from_monday_one_offset(i as i8 + 1).ok())
        .ok_or_else(|| invalid("releases.weekday", "must be a weekday like \"monday\""))?;
    let on_holiday = match spec.on_holiday.as_str() {
        "next_working_day" => OnHoliday::NextWorkingDay,
        "keep" => OnHoliday::Keep,
        _ => {
            return Err(invalid(
                "releases.on_holiday",
                "must be \"next_working_day\" or \"keep\"",
            ));
        }
    };
    if !(1..=7).contains(&spec.rollout_days) {
        return Err(invalid("releases.rollout_days", "must be from 1 to 7"));
    }
    if spec.updates_at_once == 0 {
        return Err(invalid("releases.updates_at_once", "must be at least 1"));
    }
    let hours = |key: &str, text: &str| -> Result<Window, PolicyError> {
        let window: Window = text.parse().map_err(|e| invalid(key, e))?;
        if i64::from(window.end() - window.start()) < spec.update_window.0 {
            return Err(invalid(key, "must hold at least one update window"));
        }
        Ok(window)
    };
    if spec.update_window.0 <= 0 {
        return Err(invalid("releases.update_window", "must be longer than 0"));
    }
    if spec.newsletter_working_days_before > 20 {
        return Err(invalid(
            "releases.newsletter_working_days_before",
            "must be from 0 to 20",
        ));
    }
    let newsletter_at: jiff::civil::Time = spec
        .newsletter_at
        .parse()
        .map_err(|_| invalid("releases.newsletter_at", "must be a time like \"09:00\""))?;
    Ok(ReleaseRules {
        schedule_from,
        weekday,
        on_holiday,
        rollout_days: spec.rollout_days,
        update_window_seconds: spec.update_window.0,
        updates_at_once: spec.updates_at_once,
        prefer_evening: spec.prefer_evening,
        evening: hours("releases.evening", &spec.evening)?,
        daytime: hours("releases.daytime", &spec.daytime)?,
        newsletter_working_days_before: spec.newsletter_working_days_before,
        newsletter_at,
    })
}
