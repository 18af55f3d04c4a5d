//! The sladesk service: storage, the desk operations, the HTTP API and the background jobs,
//! all thin layers around the pure SLA core (`sladesk_core`).

pub mod config;
pub mod desk;
pub mod jobs;
pub mod notify;
pub mod secrets;
pub mod serve;
pub mod store;
pub mod web;

/// The current instant, at whole seconds: the SLA is exact to the second, and so is storage.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).expect("the clock is in range")
}
