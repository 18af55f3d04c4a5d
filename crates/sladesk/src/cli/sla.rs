//! `sladesk sla timeline | calendar | policy`: the SLA engine from the command line.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use sladesk_core::calendar::Clock;
use sladesk_core::sla::{SlaReport, TimelineInput, evaluate};
use sladesk_core::text::Language;

use super::{CliError, load_policy};
use sladesk::catalogue::Message;

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Evaluate ticket timelines read from stdin (one JSON object, or an array of them) and
    /// write the state of their SLA clocks to stdout.
    Timeline {
        /// A TOML policy file laid over the built-in policy.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Add, per clock, the stretches of time that counted or paused, and why.
        #[arg(long)]
        explain: bool,
    },
    /// List the working days, closed days and holidays of a calendar between two dates
    /// (both included).
    Calendar {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        /// Which calendar of the policy.
        #[arg(long, default_value = "office-nl")]
        calendar: String,
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Language of names and labels.
        #[arg(long, value_enum, default_value_t = Lang::En)]
        lang: Lang,
        /// Write JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective policy (built-in, with `--policy` laid over it) as TOML.
    Policy {
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Lang {
    En,
    Nl,
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Language {
        match lang {
            Lang::En => Language::En,
            Lang::Nl => Language::Nl,
        }
    }
}

pub fn run(command: SlaCommand) -> Result<(), CliError> {
    match command {
        SlaCommand::Timeline { policy, explain } => timeline(policy, explain),
        SlaCommand::Calendar {
            from,
            to,
            calendar,
            policy,
            lang,
            json,
        } => list_calendar(from, to, &calendar, policy, lang.into(), json),
        SlaCommand::Policy { policy } => {
            print!("{}", load_policy(policy.as_ref())?.to_toml());
            Ok(())
        }
    }
}

fn timeline(policy: Option<PathBuf>, explain: bool) -> Result<(), CliError> {
    let policy = load_policy(policy.as_ref())?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| CliError::bad("cli_stdin_unreadable", e))?;
    let now = Timestamp::now();
    let batch = input.trim_start().starts_with('[');
    let items: Vec<TimelineInput> = if batch {
        parse_json(&input)?
    } else {
        vec![parse_json(&input)?]
    };
    let mut reports = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let (timeline, now) = item.into_timeline(now);
        let report = evaluate(&policy, &timeline, now, explain).map_err(|e| {
            if batch {
                CliError::BadInput(
                    Message::new("cli_timeline_item")
                        .number("index", index as i64)
                        .given("detail", e),
                )
            } else {
                CliError::bad("cli_timeline", e)
            }
        })?;
        reports.push(report);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    if batch {
        write_json(&mut out, &reports)?;
    } else {
        write_json::<SlaReport>(&mut out, &reports[0])?;
    }
    out.flush()?;
    Ok(())
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(input: &str) -> Result<T, CliError> {
    let mut deserializer = serde_json::Deserializer::from_str(input);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!("at {path}: ")
        };
        CliError::bad("cli_invalid_json", format!("{at}{}", e.into_inner()))
    })?;
    deserializer
        .end()
        .map_err(|e| CliError::bad("cli_invalid_json", e))?;
    Ok(value)
}

pub(super) fn write_json<T: Serialize + ?Sized>(
    out: &mut impl Write,
    value: &T,
) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

#[derive(Serialize)]
struct DayListing {
    date: Date,
    weekday: String,
    working: bool,
    hours: Vec<String>,
    business_seconds: i64,
    holidays: Vec<String>,
}

fn list_calendar(
    from: Date,
    to: Date,
    name: &str,
    policy: Option<PathBuf>,
    language: Language,
    json: bool,
) -> Result<(), CliError> {
    if to < from {
        return Err(CliError::BadInput(
            Message::new("cli_range_reversed")
                .given("from", from)
                .given("to", to),
        ));
    }
    let policy = load_policy(policy.as_ref())?;
    let calendar = policy.calendar(name).ok_or_else(|| {
        let known = policy.calendar_names().collect::<Vec<_>>().join(", ");
        CliError::BadInput(
            Message::new("cli_unknown_calendar")
                .given("name", name)
                .given("known", known),
        )
    })?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut days = Vec::new();
    let mut date = from;
    loop {
        let day = calendar
            .day(date)
            .map_err(|e| CliError::bad("cli_calendar", e))?;
        let listing = DayListing {
            date,
            weekday: sladesk::catalogue::weekday(
                language,
                date.weekday().to_monday_zero_offset() as usize,
            ),
            working: day.business_seconds > 0,
            hours: day.windows.iter().map(ToString::to_string).collect(),
            business_seconds: day.business_seconds,
            holidays: day
                .holidays
                .iter()
                .map(|h| h.get(language).to_string())
                .collect(),
        };
        if json {
            days.push(listing);
        } else {
            writeln!(out, "{}", text_line(&listing, language))?;
        }
        if date >= to {
            break;
        }
        date = date
            .tomorrow()
            .map_err(|e| CliError::bad("cli_calendar", e))?;
    }
    if json {
        write_json(&mut out, &days)?;
    }
    out.flush()?;
    Ok(())
}

fn text_line(day: &DayListing, language: Language) -> String {
    let (working, closed, holiday) = match language {
        Language::En => ("working", "closed", "holiday"),
        Language::Nl => ("werkdag", "gesloten", "feestdag"),
    };
    let what = if !day.holidays.is_empty() {
        format!("{holiday:<9} {}", day.holidays.join(" / "))
    } else if day.working {
        let hours = Clock(day.business_seconds as u32);
        format!("{working:<9} {} ({hours})", day.hours.join(", "))
    } else {
        closed.to_string()
    };
    format!("{}  {:<10} {what}", day.date, day.weekday)
}
