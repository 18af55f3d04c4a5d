//! The domain model: what sladesk speaks of (organisations, people, tickets and their events),
//! imported by every layer (`store/` maps it to rows, `desk/` acts on it, `web/`, `jobs/` and
//! `notify/` show it). It depends on the core and on nothing of sladesk above it.

/// Words stored and served for a small enum, both ways.
macro_rules! words {
    ($name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(word: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }
    };
}

pub mod accounts;
pub mod attachments;
pub mod availability;
pub mod billing;
pub mod continuity;
pub mod exchange;
pub mod fairuse;
pub mod policies;
pub mod releases;
pub mod sso;
pub mod tickets;

/// The human-readable number of a ticket.
pub fn ticket_number(id: i64) -> String {
    format!("SD-{id:06}")
}
