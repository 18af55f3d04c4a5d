//! The pure core of sladesk: what the SLA means, with no I/O.
//!
//! - [`calendar`]: business calendars (office hours, holidays, time zones) and business-time
//!   arithmetic.
//! - [`policy`]: the SLA policy, every number of the SLA as data, built-in or from TOML.
//! - [`tickets`]: statuses, the allowed moves between them, priorities, types, environments.
//! - [`sla`]: the reaction and resolution clocks of a ticket, evaluated from its events.
//! - [`availability`]: the monthly availability figure of A1-A3, with its working.
//! - [`credits`]: guarantees and the service credits they give (G2, S5).
//! - [`report`]: the figures of a monthly SLA report per priority (S3).
//! - [`releases`]: release rings, the release day and the rollout week (R1-R4).
//! - [`billing`]: consultancy rates, minimums and blocks in cents (C2).
//! - [`fairuse`]: whether a tenant's use was excessive against its cohort (F1).
//! - [`continuity`]: the recovery point, the recovery times per scenario, retention (D1, D2).
//!
//! Storage, HTTP and background jobs live in the `sladesk` crate and call into this one; this
//! crate never calls out.

pub mod availability;
pub mod billing;
pub mod calendar;
pub mod continuity;
pub mod credits;
pub mod fairuse;
pub mod policy;
pub mod releases;
pub mod report;
pub mod sla;
pub mod text;
pub mod tickets;
