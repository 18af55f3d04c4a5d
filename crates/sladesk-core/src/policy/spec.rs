//! The policy file as written (TOML), before it is checked and turned into a [`super::Policy`].
//! Unknown keys are refused so that a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

use crate::text::Text;
use crate::tickets::{Priority, Status};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub version: String,
    pub calendars: BTreeMap<String, CalendarSpec>,
    pub priorities: PrioritiesSpec,
    pub clocks: ClocksSpec,
    pub auto_close: AutoCloseSpec,
    pub triage: TriageSpec,
    pub warnings: WarningsSpec,
    pub availability: AvailabilitySpec,
    pub versions: VersionsSpec,
    pub releases: ReleasesSpec,
    /// C2: absent from SLA versions published before consultancy was billed; they read the
    /// SLA's own figures.
    #[serde(default)]
    pub billing: BillingSpec,
    /// F1-F2: absent from SLA versions published before fair use was measured; they read the
    /// SLA's own figures.
    #[serde(default)]
    pub fair_use: FairUseSpec,
    /// D1-D2: absent from SLA versions published before the desk took its own backups; they
    /// read the SLA's own figures.
    #[serde(default)]
    pub continuity: ContinuitySpec,
    /// T5: absent from SLA versions published before tickets had files; they read the
    /// desk's defaults.
    #[serde(default)]
    pub attachments: AttachmentsSpec,
}

/// T5: the files a ticket may hold, in bytes and in number.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentsSpec {
    pub max_file_bytes: u64,
    pub max_ticket_bytes: u64,
    pub max_files_per_ticket: u32,
    pub mail_up_to_bytes: u64,
}

impl Default for AttachmentsSpec {
    fn default() -> AttachmentsSpec {
        let rules = crate::tickets::AttachmentRules::default();
        AttachmentsSpec {
            max_file_bytes: rules.max_file_bytes,
            max_ticket_bytes: rules.max_ticket_bytes,
            max_files_per_ticket: rules.max_files_per_ticket,
            mail_up_to_bytes: rules.mail_up_to_bytes,
        }
    }
}

/// D1-D2: the recovery point, how often a backup is taken and how many are kept, and the
/// recovery time of each scenario of the RTO table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuitySpec {
    pub rpo: DurationSpec,
    pub backup_every: DurationSpec,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
    pub rto_data_loss: DurationSpec,
    pub rto_instance_loss: DurationSpec,
    pub rto_system_loss: DurationSpec,
    pub rto_location_loss: DurationSpec,
    pub rto_operation_loss: DurationSpec,
}

impl Default for ContinuitySpec {
    fn default() -> ContinuitySpec {
        let hours = |h: i64| DurationSpec(h * 3600);
        ContinuitySpec {
            rpo: hours(24),
            backup_every: hours(24),
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 12,
            rto_data_loss: hours(2),
            rto_instance_loss: hours(4),
            rto_system_loss: hours(8),
            rto_location_loss: hours(16),
            rto_operation_loss: hours(24),
        }
    }
}

/// F1-F2: when use is excessive, and the days to normalise after the notice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairUseSpec {
    pub factor: f64,
    pub window_days: u32,
    pub min_cohort: u32,
    pub grace_days: u32,
    pub measures: Vec<String>,
    pub cohort: String,
    pub run_at: String,
}

impl Default for FairUseSpec {
    fn default() -> FairUseSpec {
        FairUseSpec {
            factor: 3.0,
            window_days: 30,
            min_cohort: 3,
            grace_days: 7,
            measures: [
                "data_traffic",
                "api_calls",
                "synchronisations",
                "processing",
                "storage",
                "network",
            ]
            .map(String::from)
            .to_vec(),
            cohort: "tier_and_size_class".into(),
            run_at: "06:00".into(),
        }
    }
}

/// C2: consultancy rates in whole euro cents an hour (VAT exclusive), and the minimum and the
/// blocks booked time is billed in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingSpec {
    pub ad_hoc_support_cents_per_hour: i64,
    pub ad_hoc_qaas_cents_per_hour: i64,
    pub non_platform_cents_per_hour: i64,
    pub ad_hoc_minimum: DurationSpec,
    pub ad_hoc_block: DurationSpec,
    pub non_platform_minimum: DurationSpec,
    pub non_platform_block: DurationSpec,
}

impl Default for BillingSpec {
    fn default() -> BillingSpec {
        BillingSpec {
            ad_hoc_support_cents_per_hour: 25_000,
            ad_hoc_qaas_cents_per_hour: 15_000,
            non_platform_cents_per_hour: 25_000,
            ad_hoc_minimum: DurationSpec(4 * 3600),
            ad_hoc_block: DurationSpec(4 * 3600),
            non_platform_minimum: DurationSpec(8 * 3600),
            non_platform_block: DurationSpec(8 * 3600),
        }
    }
}

/// R1-R3, M1: the monthly release day and the rollout week.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasesSpec {
    pub calendar: String,
    pub schedule_from: String,
    pub weekday: String,
    pub on_holiday: String,
    pub rollout_days: u32,
    pub update_window: DurationSpec,
    pub updates_at_once: u32,
    pub prefer_evening: bool,
    pub evening: String,
    pub daytime: String,
    /// R4: the month's newsletter goes out this many working days before its release day...
    #[serde(default = "newsletter_working_days_before")]
    pub newsletter_working_days_before: u32,
    /// ...at this local time. Both have defaults, so policies published before R4 still read.
    #[serde(default = "newsletter_at")]
    pub newsletter_at: String,
}

fn newsletter_working_days_before() -> u32 {
    2
}

fn newsletter_at() -> String {
    "09:00".into()
}

/// G3: how the vendor changes the SLA.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionsSpec {
    pub notice_days: u32,
    pub termination_window_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilitySpec {
    pub target_percent: f64,
    pub minimum_outage: DurationSpec,
    pub time_zone: String,
    pub failures_to_confirm: u32,
    pub maintenance_notice_days: u32,
    pub maintenance_preferred_from_hour: u8,
    pub resource_thresholds: ResourceThresholds,
}

/// A4: levels of pushed resource readings that warn the SaaS team, in percent.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceThresholds {
    pub cpu_percent: f64,
    pub disk_percent: f64,
    pub memory_percent: f64,
    pub network_percent: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    pub time_zone: String,
    pub hours: HoursSpec,
    #[serde(default)]
    pub holidays: BTreeMap<String, HolidaySpec>,
    #[serde(default)]
    pub closed_days: Vec<ClosedDaySpec>,
    #[serde(default)]
    pub open_days: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    pub monday: Vec<String>,
    pub tuesday: Vec<String>,
    pub wednesday: Vec<String>,
    pub thursday: Vec<String>,
    pub friday: Vec<String>,
    pub saturday: Vec<String>,
    pub sunday: Vec<String>,
}

impl HoursSpec {
    pub fn days(&self) -> [&Vec<String>; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    pub name: Text,
    /// `"MM-DD"`, for a holiday on a fixed date.
    pub date: Option<String>,
    /// Days from Easter Sunday, for a holiday that moves with Easter.
    pub easter_offset: Option<i16>,
    #[serde(default)]
    pub sunday_to_saturday: bool,
    pub years_divisible_by: Option<u16>,
    pub from_year: Option<i16>,
    pub until_year: Option<i16>,
    /// `false` switches a built-in holiday off.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedDaySpec {
    pub date: String,
    pub name: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritiesSpec {
    pub low: PrioritySpec,
    pub normal: PrioritySpec,
    pub high: PrioritySpec,
    pub saas_outage: PrioritySpec,
}

impl PrioritiesSpec {
    pub fn get(&self, priority: Priority) -> &PrioritySpec {
        match priority {
            Priority::Low => &self.low,
            Priority::Normal => &self.normal,
            Priority::High => &self.high,
            Priority::SaasOutage => &self.saas_outage,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySpec {
    pub calendar: String,
    pub reaction: DurationSpec,
    pub resolution: DurationSpec,
    #[serde(default)]
    pub indicative_resolution: Vec<IndicativeSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicativeSpec {
    pub share_percent: u8,
    pub within: DurationSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClocksSpec {
    pub reaction_met_by_response: bool,
    pub reaction_met_by_statuses: Vec<Status>,
    pub resolution_paused_in: Vec<Status>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoCloseSpec {
    pub status: Status,
    pub working_days: u32,
    pub working_day: DurationSpec,
    pub calendar: String,
    pub reminder_working_days_before: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageSpec {
    pub production: Priority,
    pub acceptance: Priority,
    pub test: Priority,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningsSpec {
    pub share_percent: u8,
}

/// A duration in whole seconds, written `"8h"`, `"15m"`, `"1h 30m"`, `"PT8H"` or as a number
/// of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationSpec(pub i64);

impl<'de> Deserialize<'de> for DurationSpec {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = DurationSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive duration like \"8h\", \"15m\" or \"1h 30m\"")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationSpec, E> {
                if v > 0 {
                    Ok(DurationSpec(v))
                } else {
                    Err(E::custom("a duration must be positive"))
                }
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationSpec, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom("duration too long"))
                    .and_then(|v| self.visit_i64(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationSpec, E> {
                let invalid = || {
                    E::custom(format!(
                        "`{v}` is not a duration like \"8h\", \"15m\" or \"1h 30m\""
                    ))
                };
                let duration: jiff::SignedDuration = v.parse().map_err(|_| invalid())?;
                if duration.subsec_nanos() != 0 {
                    return Err(E::custom(format!("`{v}` is not a whole number of seconds")));
                }
                self.visit_i64(duration.as_secs())
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}
