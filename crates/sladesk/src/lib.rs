//! The sladesk service: storage, the desk operations, the HTTP API and the background jobs,
//! all thin layers around the pure SLA core (`sladesk_core`).

pub mod backup;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod desk;
pub mod domain;
pub mod exchange;
pub mod files;
pub mod jobs;
pub mod mail_in;
pub mod metrics;
pub mod notify;
pub mod oidc;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod web;
