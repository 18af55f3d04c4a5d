//! The domain model: what sladesk speaks of (organisations, people, tickets and their events),
//! imported by every layer (`store/` maps it to rows, `desk/` acts on it, `web/`, `jobs/` and
//! `notify/` show it). It depends on the core and on nothing of sladesk above it.

pub mod accounts;
pub mod availability;
pub mod billing;
pub mod policies;
pub mod releases;
pub mod tickets;

/// The human-readable number of a ticket.
pub fn ticket_number(id: i64) -> String {
    format!("SD-{id:06}")
}
