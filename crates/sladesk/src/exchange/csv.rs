//! The simplest history to bring: one ticket a row of a CSV file, its columns named by a small
//! TOML mapping (docs/EXCHANGE.md, "CSV"). Each row becomes a ticket line of the exchange
//! format, with the events its columns tell (filed; the first reply; the closing), so it goes
//! through the same checks and the same SLA engine as any data set. An organisation or a
//! requester named for the first time becomes an organisation or person line just before the
//! ticket that names it (a person whose address the desk knows is that person).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use super::{Problem, Rule};
use crate::domain::accounts::{Role, Tier};
use crate::domain::exchange::{
    EventChange, EventLine, FORMAT, Header, Line, OrganizationLine, PersonLine, TicketLine, VERSION,
};

/// The mapping file: which column holds what, and what the source's words mean here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub columns: Columns,
    /// Source word → sladesk word, per field (`priority`, `type`, `status`, `environment`).
    #[serde(default)]
    pub values: HashMap<String, HashMap<String, String>>,
    #[serde(default)]
    pub defaults: Defaults,
}

/// Column names (as in the CSV's header row).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// The source's id of the ticket: its external id (and, unless `number` says otherwise,
    /// its number).
    pub id: String,
    #[serde(default)]
    pub number: Option<String>,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_at: String,
    /// The customer's name.
    pub organization: String,
    /// The requester's e-mail address.
    pub requester: String,
    #[serde(default)]
    pub requester_name: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(rename = "type", default)]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    /// The status now (mapped by `values.status`).
    #[serde(default)]
    pub status: Option<String>,
    /// When staff first answered.
    #[serde(default)]
    pub first_response_at: Option<String>,
    /// When it was closed.
    #[serde(default)]
    pub closed_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default = "normal")]
    pub priority: Priority,
    #[serde(rename = "type", default = "incident")]
    pub ticket_type: TicketType,
    #[serde(default = "production")]
    pub environment: Environment,
    /// The tier of an organisation the file introduces.
    #[serde(default = "support")]
    pub tier: Tier,
    /// The time zone of instants without an offset.
    #[serde(default = "amsterdam")]
    pub time_zone: String,
    /// The `strftime` form of instants (`%d-%m-%Y %H:%M`); none: RFC 3339 or
    /// `2026-03-01 09:30[:00]`.
    #[serde(default)]
    pub time_format: Option<String>,
    /// The CSV's field separator.
    #[serde(default = "comma")]
    pub delimiter: char,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            priority: normal(),
            ticket_type: incident(),
            environment: production(),
            tier: support(),
            time_zone: amsterdam(),
            time_format: None,
            delimiter: comma(),
        }
    }
}

fn normal() -> Priority {
    Priority::Normal
}
fn incident() -> TicketType {
    TicketType::Incident
}
fn production() -> Environment {
    Environment::Production
}
fn support() -> Tier {
    Tier::Support
}
fn amsterdam() -> String {
    "Europe/Amsterdam".into()
}
fn comma() -> char {
    ','
}

/// Why a CSV file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the mapping: {0}")]
    Mapping(String),
    #[error("the CSV file: {0}")]
    File(String),
}

/// A row that does not make a ticket, with its line in the CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub problem: Problem,
}

/// Reads the mapping file.
pub fn mapping(text: &str) -> Result<Mapping, CsvError> {
    let mapping: Mapping = toml::from_str(text).map_err(|e| CsvError::Mapping(e.to_string()))?;
    TimeZone::get(&mapping.defaults.time_zone).map_err(|_| {
        CsvError::Mapping(format!("unknown time zone {}", mapping.defaults.time_zone))
    })?;
    Ok(mapping)
}

/// Writes the data set the CSV file makes to `out`; returns, for each line written, the CSV
/// line it came from (to report a problem where the reader can find it), and the rows that
/// make no ticket.
pub fn convert(
    csv_path: &Path,
    mapping: &Mapping,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(Vec<u64>, Vec<RowProblem>), CsvError> {
    let zone =
        TimeZone::get(&mapping.defaults.time_zone).map_err(|e| CsvError::Mapping(e.to_string()))?;
    let delimiter = u8::try_from(mapping.defaults.delimiter)
        .map_err(|_| CsvError::Mapping("the delimiter is one ASCII character".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_path(csv_path)
        .map_err(|e| CsvError::File(e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| CsvError::File(e.to_string()))?
        .clone();
    let position = |name: &str| headers.iter().position(|h| h.trim() == name);
    let c = &mapping.columns;
    let mut wanted: Vec<&String> = vec![
        &c.id,
        &c.subject,
        &c.created_at,
        &c.organization,
        &c.requester,
    ];
    wanted.extend(
        [
            &c.number,
            &c.description,
            &c.requester_name,
            &c.priority,
            &c.ticket_type,
            &c.environment,
            &c.product,
            &c.status,
            &c.first_response_at,
            &c.closed_at,
        ]
        .into_iter()
        .flatten(),
    );
    for name in wanted {
        if position(name).is_none() {
            return Err(CsvError::Mapping(format!(
                "the CSV file has no column `{name}`"
            )));
        }
    }
    let mut origins = vec![0];
    let mut problems = Vec::new();
    let mut put = |line: &Line, origin: u64, origins: &mut Vec<u64>| -> Result<(), CsvError> {
        serde_json::to_writer(&mut *out, line).map_err(|e| CsvError::File(e.to_string()))?;
        out.write_all(b"\n")
            .map_err(|e| CsvError::File(e.to_string()))?;
        origins.push(origin);
        Ok(())
    };
    put(
        &Line::Header(Header {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: now,
            organization: None,
            since: None,
            with_secrets: false,
        }),
        0,
        &mut origins,
    )?;
    let mut organizations: HashSet<String> = HashSet::new();
    let mut people: HashSet<String> = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::File(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |name: &Option<String>| -> Option<String> {
            let name = name.as_ref()?;
            let value = record.get(position(name)?)?.trim();
            (!value.is_empty()).then(|| value.to_string())
        };
        let required = |name: &String| -> Result<String, Problem> {
            cell(&Some(name.clone())).ok_or_else(|| Problem::Rule {
                field: name.clone(),
                rule: Rule::Empty,
            })
        };
        let row = || -> Result<(TicketLine, String, String), Problem> {
            let id = required(&c.id)?;
            let organization = required(&c.organization)?;
            let email = required(&c.requester)?.to_lowercase();
            let instant = |name: &Option<String>| -> Result<Option<Timestamp>, Problem> {
                cell(name)
                    .map(|text| {
                        parse_instant(&text, &zone, mapping.defaults.time_format.as_deref())
                            .ok_or_else(|| Problem::Rule {
                                field: name.clone().unwrap_or_default(),
                                rule: Rule::NotAnInstant { text },
                            })
                    })
                    .transpose()
            };
            let created_at =
                instant(&Some(c.created_at.clone()))?.ok_or_else(|| Problem::Rule {
                    field: c.created_at.clone(),
                    rule: Rule::Empty,
                })?;
            let word = |field: &str, column: &Option<String>| -> Result<Option<String>, Problem> {
                let Some(value) = cell(column) else {
                    return Ok(None);
                };
                Ok(Some(
                    mapping
                        .values
                        .get(field)
                        .and_then(|words| words.get(&value))
                        .cloned()
                        .unwrap_or(value),
                ))
            };
            let parsed = |field: &str,
                          column: &Option<String>|
             -> Result<Option<serde_json::Value>, Problem> {
                Ok(word(field, column)?.map(serde_json::Value::String))
            };
            let priority: Option<Priority> =
                read("priority", &c.priority, parsed("priority", &c.priority)?)?;
            let ticket_type: Option<TicketType> =
                read("type", &c.ticket_type, parsed("type", &c.ticket_type)?)?;
            let environment: Option<Environment> = read(
                "environment",
                &c.environment,
                parsed("environment", &c.environment)?,
            )?;
            let status: Option<Status> = read("status", &c.status, parsed("status", &c.status)?)?;
            let first_response = instant(&c.first_response_at)?;
            let closed = instant(&c.closed_at)?;
            let mut events = vec![EventLine::new(
                created_at,
                &EventChange::Created {
                    ticket_type: ticket_type.unwrap_or(mapping.defaults.ticket_type),
                    priority: priority.unwrap_or(mapping.defaults.priority),
                    environment: environment.unwrap_or(mapping.defaults.environment),
                    product: cell(&c.product).unwrap_or_default(),
                    urgency: None,
                },
            )];
            let mut now_status = Status::New;
            let mut last = created_at;
            let to = |events: &mut Vec<EventLine>, at: Timestamp, to: Status, now: &mut Status| {
                events.push(EventLine::new(
                    at,
                    &EventChange::Status {
                        from: None,
                        to,
                        reason: None,
                    },
                ));
                *now = to;
            };
            if let Some(at) = first_response {
                events.push(EventLine::new(at, &EventChange::StaffReply {}));
                to(&mut events, at, Status::InProgress, &mut now_status);
                last = at;
            }
            match (closed, status) {
                (Some(at), _) => to(&mut events, at, Status::Closed, &mut now_status),
                (None, Some(Status::Closed)) => {
                    to(&mut events, last, Status::Closed, &mut now_status)
                }
                (None, Some(Status::WaitingForDevelopment)) => {
                    if now_status == Status::New {
                        to(&mut events, last, Status::InProgress, &mut now_status);
                    }
                    to(
                        &mut events,
                        last,
                        Status::WaitingForDevelopment,
                        &mut now_status,
                    )
                }
                (None, Some(wanted)) if wanted != now_status && wanted != Status::New => {
                    to(&mut events, last, wanted, &mut now_status)
                }
                _ => {}
            }
            let ticket = TicketLine {
                id: format!("csv:{id}"),
                number: Some(cell(&c.number).unwrap_or(id)),
                organization: format!("csv:organization:{organization}"),
                requester: format!("csv:person:{email}"),
                subject: required(&c.subject)?,
                description: cell(&c.description).unwrap_or_default(),
                created_at,
                policy_version: None,
                confidential: false,
                triaged: Some(priority.is_some()),
                events,
            };
            Ok((ticket, organization, email))
        };
        match row() {
            Err(problem) => problems.push(RowProblem { line, problem }),
            Ok((ticket, organization, email)) => {
                if organizations.insert(organization.clone()) {
                    put(
                        &Line::Organization(OrganizationLine {
                            id: ticket.organization.clone(),
                            name: organization,
                            tier: mapping.defaults.tier,
                            products: Vec::new(),
                            valid_from: None,
                            valid_until: None,
                            policy: None,
                            policy_version: None,
                            terms: None,
                            update_moments: None,
                            size_class: None,
                            mfa_required: false,
                            created_at: ticket.created_at,
                        }),
                        line,
                        &mut origins,
                    )?;
                }
                if people.insert(email.clone()) {
                    put(
                        &Line::Person(PersonLine {
                            id: ticket.requester.clone(),
                            name: cell(&c.requester_name).unwrap_or_default(),
                            email,
                            role: Role::Customer,
                            organization: Some(ticket.organization.clone()),
                            language: sladesk_core::text::Language::Nl,
                            created_at: ticket.created_at,
                            disabled_at: None,
                            password_hash: None,
                            totp_secret: None,
                            totp_enabled: false,
                        }),
                        line,
                        &mut origins,
                    )?;
                }
                put(&Line::Ticket(Box::new(ticket)), line, &mut origins)?;
            }
        }
    }
    Ok((origins, problems))
}

/// A source word mapped to sladesk's, read as `T`.
fn read<T: serde::de::DeserializeOwned>(
    field: &str,
    column: &Option<String>,
    value: Option<serde_json::Value>,
) -> Result<Option<T>, Problem> {
    value
        .map(|v| {
            serde_json::from_value(v.clone()).map_err(|_| Problem::Rule {
                field: column.clone().unwrap_or_else(|| field.to_string()),
                rule: Rule::Unmapped {
                    value: v.as_str().unwrap_or_default().to_string(),
                },
            })
        })
        .transpose()
}

/// An instant of a CSV cell: with an offset as it says, else in the mapping's zone.
fn parse_instant(text: &str, zone: &TimeZone, format: Option<&str>) -> Option<Timestamp> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant);
    }
    let civil = match format {
        Some(format) => jiff::civil::DateTime::strptime(format, text).ok()?,
        None => text
            .replacen(' ', "T", 1)
            .parse::<jiff::civil::DateTime>()
            .ok()?,
    };
    zone.to_ambiguous_timestamp(civil).compatible().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_without_an_offset_are_read_in_the_mappings_zone() {
        let zone = TimeZone::get("Europe/Amsterdam").unwrap();
        let summer = parse_instant("2026-07-01 10:00", &zone, None).unwrap();
        assert_eq!(summer.to_string(), "2026-07-01T08:00:00Z");
        let winter = parse_instant("02-03-2026 09:30", &zone, Some("%d-%m-%Y %H:%M")).unwrap();
        assert_eq!(winter.to_string(), "2026-03-02T08:30:00Z");
        assert_eq!(
            parse_instant("2026-03-02T09:30:00+00:00", &zone, None)
                .unwrap()
                .to_string(),
            "2026-03-02T09:30:00Z"
        );
        assert!(parse_instant("yesterday", &zone, None).is_none());
    }
}
