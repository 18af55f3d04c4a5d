//! Data sets in and out (docs/EXCHANGE.md): reading a line of the exchange format with a
//! precise reason when it is bad, replaying a ticket's events as sladesk would have lived
//! them, and tickets from a CSV file by a mapping. The format's shape is
//! `domain::exchange`; `desk::exchange` imports and exports with these.

pub mod csv;
mod problem;
pub mod replay;

pub use problem::{ExchangeError, LineProblem, Problem, Rule};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::exchange::Line;

/// Reads one line of a data set. A good line costs one parse; a bad one is read again to say
/// which field is wrong and why.
pub fn parse_line(text: &str) -> Result<Line, Problem> {
    match serde_json::from_str::<Line>(text) {
        Ok(line) => Ok(line),
        Err(_) => Err(diagnose(text)),
    }
}

fn diagnose(text: &str) -> Problem {
    let mut value = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return Problem::Rule {
                field: String::new(),
                rule: Rule::NotAnObject,
            };
        }
        Err(e) => {
            return Problem::NotJson {
                detail: e.to_string(),
            };
        }
    };
    let kind = match value.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(_) => {
            return Problem::Rule {
                field: "kind".into(),
                rule: Rule::KindMissing,
            };
        }
        None => {
            return Problem::Rule {
                field: "kind".into(),
                rule: Rule::KindMissing,
            };
        }
    };
    let value = Value::Object(value);
    use crate::domain::exchange as f;
    let result = match kind.as_str() {
        "header" => field_problem::<f::Header>(value),
        "policy_version" => field_problem::<f::PolicyVersionLine>(value),
        "organization" => field_problem::<f::OrganizationLine>(value),
        "person" => field_problem::<f::PersonLine>(value),
        "ticket" => field_problem::<f::TicketLine>(value),
        "audit" => field_problem::<f::AuditLine>(value),
        "component" => field_problem::<f::ComponentLine>(value),
        "monitor" => field_problem::<f::MonitorLine>(value),
        "outage" => field_problem::<f::OutageLine>(value),
        "maintenance" => field_problem::<f::MaintenanceLine>(value),
        "exclusion" => field_problem::<f::ExclusionLine>(value),
        _ => return Problem::UnknownKind { kind },
    };
    result.unwrap_or(Problem::Rule {
        field: String::new(),
        rule: Rule::NotAnObject,
    })
}

/// The first field of `value` that does not fit `T`, with serde's reason.
fn field_problem<T: DeserializeOwned>(value: Value) -> Option<Problem> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => None,
        Err(error) => {
            let path = error.path().to_string();
            Some(Problem::Field {
                field: if path == "." { String::new() } else { path },
                detail: error.into_inner().to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_told_by_its_field_and_reason() {
        assert!(matches!(
            parse_line("{not json"),
            Err(Problem::NotJson { .. })
        ));
        assert!(matches!(
            parse_line("[1]"),
            Err(Problem::Rule {
                rule: Rule::NotAnObject,
                ..
            })
        ));
        assert_eq!(
            parse_line(r#"{"kind":"teleport","id":"x"}"#),
            Err(Problem::UnknownKind {
                kind: "teleport".into()
            })
        );
        let no_offset = r#"{"kind":"organization","id":"o","name":"Acme","tier":"support","created_at":"2026-03-01T10:00:00"}"#;
        match parse_line(no_offset) {
            Err(Problem::Field { field, detail }) => {
                assert_eq!(field, "created_at");
                assert!(detail.contains("offset"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        let missing =
            r#"{"kind":"person","id":"p","role":"customer","created_at":"2026-03-01T10:00:00Z"}"#;
        match parse_line(missing) {
            Err(Problem::Field { detail, .. }) => assert!(detail.contains("email"), "{detail}"),
            other => panic!("{other:?}"),
        }
        let nested = r#"{"kind":"ticket","id":"t","organization":"o","requester":"p","subject":"s","created_at":"2026-03-01T10:00:00Z","events":[{"at":"yesterday","kind":"created"}]}"#;
        match parse_line(nested) {
            Err(Problem::Field { field, .. }) => assert_eq!(field, "events[0].at"),
            other => panic!("{other:?}"),
        }
    }
}
