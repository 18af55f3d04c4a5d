//! The vocabulary of a ticket (T3, T6, T7, S3): its status, the moves between statuses,
//! its priority, type and environment. Parsing these is the only way to make them, so a value
//! in hand is always a valid one.

mod attachments;
mod status;

pub use attachments::{AttachmentRules, OverLimit};
pub use status::{IllegalMove, Status, Transition};

use serde::{Deserialize, Serialize};

/// Error for a word that is not one of a closed set of values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}` (expected one of: {expected})")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

/// Declares a closed enum with its snake_case names, `FromStr`, `Display` and serde.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the API, the policy file and the database.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::tickets::UnknownValue;
            fn from_str(s: &str) -> Result<Self, $crate::tickets::UnknownValue> {
                match s {
                    $($key => Ok($name::$variant),)+
                    _ => Err($crate::tickets::UnknownValue {
                        what: $what,
                        given: s.to_string(),
                        expected: [$($key),+].join(", "),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// The SLA class of a ticket (S3). `SaasOutage` runs on the 24x7 calendar.
    Priority, "priority", {
        Low => "low",
        Normal => "normal",
        High => "high",
        SaasOutage => "saas_outage",
    }
);

vocabulary!(
    /// What kind of request a ticket is (T3).
    TicketType, "ticket type", {
        Question => "question",
        Incident => "incident",
        Bug => "bug",
        DevelopmentRequest => "development_request",
        ConsultancyRequest => "consultancy_request",
    }
);

vocabulary!(
    /// The customer environment a ticket is about (T6).
    Environment, "environment", {
        Production => "production",
        Acceptance => "acceptance",
        Test => "test",
    }
);

impl TicketType {
    /// Development and consultancy requests are not part of support (T3, T8): they are only
    /// carried out after explicit customer approval.
    pub fn is_support(self) -> bool {
        matches!(
            self,
            TicketType::Question | TicketType::Incident | TicketType::Bug
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for p in Priority::ALL {
            assert_eq!(p.key().parse::<Priority>().unwrap(), *p);
        }
        for t in TicketType::ALL {
            assert_eq!(t.to_string().parse::<TicketType>().unwrap(), *t);
        }
        let err = "urgent".parse::<Priority>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown priority `urgent` (expected one of: low, normal, high, saas_outage)"
        );
    }

    #[test]
    fn only_questions_incidents_and_bugs_are_support() {
        let support: Vec<_> = TicketType::ALL.iter().filter(|t| t.is_support()).collect();
        assert_eq!(
            support,
            [
                &TicketType::Question,
                &TicketType::Incident,
                &TicketType::Bug
            ]
        );
    }
}
