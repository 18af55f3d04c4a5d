//! What can be wrong with a line of a data set, and with an import as a whole: typed, and told
//! from the catalogue (`exchange_*`) in the reader's language.

use sladesk_core::text::Language;

use crate::catalogue::Message;

/// Why one line cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a JSON object.
    NotJson { detail: String },
    /// A `kind` this version of the format does not know.
    UnknownKind { kind: String },
    /// A field is missing, unknown, or holds a value of the wrong shape (an instant without
    /// an offset, a word that is not one of the kind's words).
    Field { field: String, detail: String },
    /// The header names another format or a newer version.
    Version { found: String },
    /// A header that is not the first line.
    HeaderNotFirst,
    /// The same external id twice in one data set.
    Duplicate { id: String },
    /// An external id that names nothing earlier in the data set nor imported before.
    UnknownReference { field: String, id: String },
    /// A ticket's first event must be its creation.
    FirstEventNotCreated,
    /// An event before its ticket's creation.
    BeforeCreation { event: usize },
    /// An event before the event preceding it.
    OutOfOrder { event: usize },
    /// A status move T7 does not allow.
    IllegalMove {
        event: usize,
        from: String,
        to: String,
    },
    /// An event says the ticket was in one state when the events before it say another.
    WrongFrom {
        event: usize,
        field: &'static str,
        stated: String,
        actual: String,
    },
    /// A stretch that ends before it starts.
    EndsBeforeStart { field: String },
    /// A policy (a contract's own, or a version) the SLA engine does not accept.
    Policy { detail: String },
    /// A field breaks one of the format's rules.
    Rule { field: String, rule: Rule },
    /// An SLA version of that name is here with another policy.
    VersionDiffers { version: String },
    /// Another SLA version takes effect at the same moment.
    VersionMoment { at: String },
    /// Two people of the data set share an address.
    EmailTwice { email: String, other: String },
    /// `--keep-numbers`: a number that is not a whole number, or taken by another ticket.
    Number { number: String },
}

impl Problem {
    pub fn message(&self) -> Message {
        match self {
            Problem::NotJson { detail } => {
                Message::new("exchange_problem_not_json").given("detail", detail)
            }
            Problem::UnknownKind { kind } => {
                Message::new("exchange_problem_unknown_kind").given("kind", kind)
            }
            Problem::Field { field, detail } => Message::new("exchange_problem_field")
                .given("field", field)
                .given("detail", detail),
            Problem::Version { found } => {
                Message::new("exchange_problem_version").given("found", found)
            }
            Problem::HeaderNotFirst => Message::new("exchange_problem_header_not_first"),
            Problem::Duplicate { id } => Message::new("exchange_problem_duplicate").given("id", id),
            Problem::UnknownReference { field, id } => {
                Message::new("exchange_problem_unknown_reference")
                    .given("field", field)
                    .given("id", id)
            }
            Problem::FirstEventNotCreated => Message::new("exchange_problem_first_event"),
            Problem::BeforeCreation { event } => {
                Message::new("exchange_problem_before_creation").number("event", *event as i64)
            }
            Problem::OutOfOrder { event } => {
                Message::new("exchange_problem_out_of_order").number("event", *event as i64)
            }
            Problem::IllegalMove { event, from, to } => {
                Message::new("exchange_problem_illegal_move")
                    .number("event", *event as i64)
                    .given("from", from)
                    .given("to", to)
            }
            Problem::WrongFrom {
                event,
                field,
                stated,
                actual,
            } => Message::new("exchange_problem_wrong_from")
                .number("event", *event as i64)
                .given("field", field)
                .given("stated", stated)
                .given("actual", actual),
            Problem::EndsBeforeStart { field } => {
                Message::new("exchange_problem_ends_before_start").given("field", field)
            }
            Problem::Policy { detail } => {
                Message::new("exchange_problem_policy").given("detail", detail)
            }
            Problem::Rule { field, rule } => Message::new("exchange_problem_rule")
                .given("field", field)
                .word("rule", rule.key())
                .given("value", rule.value()),
            Problem::VersionDiffers { version } => {
                Message::new("exchange_problem_version_differs").given("version", version)
            }
            Problem::VersionMoment { at } => {
                Message::new("exchange_problem_version_moment").given("at", at)
            }
            Problem::EmailTwice { email, other } => Message::new("exchange_problem_email_twice")
                .given("email", email)
                .given("other", other),
            Problem::Number { number } => {
                Message::new("exchange_problem_number").given("number", number)
            }
        }
    }
}

/// A rule of the format a field breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A line is a JSON object.
    NotAnObject,
    /// `kind` is a string, and given.
    KindMissing,
    /// A cell that may not be empty.
    Empty,
    /// A cell that is not an instant.
    NotAnInstant {
        text: String,
    },
    /// A source word the mapping does not turn into one of sladesk's.
    Unmapped {
        value: String,
    },
    /// Only a ticket's first event creates it.
    CreatedOnce,
    /// A support line is 1, 2 or 3.
    SupportLine,
    NotAnAddress,
    /// A customer belongs to an organisation.
    CustomerNeedsOrganization,
    /// A monitor is `http`, `tcp` or `heartbeat`.
    MonitorType,
}

impl Rule {
    fn key(&self) -> &'static str {
        match self {
            Rule::NotAnObject => "exchange_rule_not_an_object",
            Rule::KindMissing => "exchange_rule_kind_missing",
            Rule::Empty => "exchange_rule_empty",
            Rule::NotAnInstant { .. } => "exchange_rule_not_an_instant",
            Rule::Unmapped { .. } => "exchange_rule_unmapped",
            Rule::CreatedOnce => "exchange_rule_created_once",
            Rule::SupportLine => "exchange_rule_support_line",
            Rule::NotAnAddress => "exchange_rule_not_an_address",
            Rule::CustomerNeedsOrganization => "exchange_rule_customer_organization",
            Rule::MonitorType => "exchange_rule_monitor_type",
        }
    }

    /// The value the rule is about, shown after the field: `` (`P9`)``.
    fn value(&self) -> String {
        match self {
            Rule::NotAnInstant { text: value } | Rule::Unmapped { value } => {
                format!(" (`{value}`)")
            }
            _ => String::new(),
        }
    }
}

/// A problem of a line, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// Counted from 1, as an editor shows it.
    pub line: u64,
    pub problem: Problem,
}

impl LineProblem {
    /// "line 12: …" in `language`.
    pub fn text(&self, language: Language) -> String {
        format!(
            "{}: {}",
            Message::new("exchange_line")
                .number("line", self.line as i64)
                .text(language),
            self.problem.message().text(language)
        )
    }
}

/// Why an import or export as a whole stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Lines are bad and `--skip-invalid` was not given: nothing was imported.
    #[error("{count} bad lines")]
    Invalid { count: u64 },
    /// A line that passed the checks was refused on writing (a ticket number taken since, a
    /// person's address used by someone else): what came before it stays, and a second run
    /// goes on from there.
    #[error("line {}", .0.line)]
    Refused(LineProblem),
    /// An organisation to export that this desk does not have.
    #[error("no organisation {0}")]
    NoOrganization(i64),
    /// A fault of the machine (no randomness, a policy stored here that no longer reads).
    #[error("{0}")]
    Fault(String),
}

impl From<sqlx::Error> for ExchangeError {
    fn from(error: sqlx::Error) -> ExchangeError {
        ExchangeError::Store(crate::store::StoreError::Database(error))
    }
}

impl ExchangeError {
    pub fn text(&self, language: Language) -> String {
        let message = match self {
            ExchangeError::Io { what, source } => Message::new("exchange_error_io")
                .given("what", what)
                .given("detail", source),
            ExchangeError::Store(e) => Message::new("exchange_error_database").given("detail", e),
            ExchangeError::Invalid { count } => {
                Message::new("exchange_error_invalid").number("count", *count as i64)
            }
            ExchangeError::Refused(problem) => {
                Message::new("exchange_error_refused").given("problem", problem.text(language))
            }
            ExchangeError::NoOrganization(id) => {
                Message::new("exchange_error_no_organization").number("id", *id)
            }
            ExchangeError::Fault(detail) => {
                Message::new("exchange_error_fault").given("detail", detail)
            }
        };
        message.text(language)
    }

    /// Whether the input was at fault (exit 2) rather than the machine (exit 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ExchangeError::Invalid { .. }
                | ExchangeError::Refused(_)
                | ExchangeError::NoOrganization(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reason a line or an import is refused, told in both languages from the
    /// catalogue, each language its own words.
    #[test]
    fn every_problem_is_told_in_both_languages() {
        let problems = [
            Problem::NotJson { detail: "x".into() },
            Problem::UnknownKind { kind: "k".into() },
            Problem::Field {
                field: "f".into(),
                detail: "d".into(),
            },
            Problem::Version { found: "v".into() },
            Problem::HeaderNotFirst,
            Problem::Duplicate { id: "i".into() },
            Problem::UnknownReference {
                field: "f".into(),
                id: "i".into(),
            },
            Problem::FirstEventNotCreated,
            Problem::BeforeCreation { event: 2 },
            Problem::OutOfOrder { event: 2 },
            Problem::IllegalMove {
                event: 2,
                from: "new".into(),
                to: "closed".into(),
            },
            Problem::WrongFrom {
                event: 2,
                field: "from",
                stated: "a".into(),
                actual: "b".into(),
            },
            Problem::EndsBeforeStart { field: "f".into() },
            Problem::Policy { detail: "d".into() },
            Problem::Rule {
                field: "f".into(),
                rule: Rule::Unmapped { value: "P9".into() },
            },
            Problem::Rule {
                field: "f".into(),
                rule: Rule::SupportLine,
            },
            Problem::VersionDiffers {
                version: "v".into(),
            },
            Problem::VersionMoment { at: "a".into() },
            Problem::EmailTwice {
                email: "e".into(),
                other: "o".into(),
            },
            Problem::Number { number: "n".into() },
        ];
        for problem in problems {
            let line = LineProblem { line: 7, problem };
            let (en, nl) = (line.text(Language::En), line.text(Language::Nl));
            assert!(
                en.starts_with("line 7: ") && nl.starts_with("regel 7: "),
                "{en} / {nl}"
            );
            assert_ne!(en, nl);
            assert!(
                !en.contains("exchange_") && !nl.contains("exchange_"),
                "{en} / {nl}"
            );
        }
        let errors = [
            ExchangeError::Io {
                what: "w".into(),
                source: std::io::Error::other("disk full"),
            },
            ExchangeError::Invalid { count: 3 },
            ExchangeError::Refused(LineProblem {
                line: 4,
                problem: Problem::Number {
                    number: "SD-000004".into(),
                },
            }),
            ExchangeError::NoOrganization(9),
        ];
        for error in errors {
            let (en, nl) = (error.text(Language::En), error.text(Language::Nl));
            assert_ne!(en, nl);
            assert!(
                !en.contains("exchange_") && !nl.contains("exchange_"),
                "{en} / {nl}"
            );
        }
    }
}
