//! What `/metrics` reports (Prometheus text format): HTTP requests by method and status (both
//! from bounded sets), tickets created, mail sent and failed, SLA alerts, the outbox. The web
//! layer counts requests and serves it; the jobs count their work. The backups' recovery point
//! is read from the database at each scrape, so every replica reports the same.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// One of the methods the API uses, or `other`: a client cannot add label values.
    pub method: &'static str,
    pub status: u16,
}

/// What `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    pub registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub tickets_created: Counter,
    pub mails_sent: Counter,
    pub mails_failed: Counter,
    pub sla_alerts: Counter,
    pub outbox_pending: Gauge,
    /// D1: when the newest verified backup was taken (Unix seconds; 0: never), its age, and
    /// the recovery point it is held to, so an alert rule needs no number of its own.
    pub backup_verified_at: Gauge,
    pub backup_verified_age: Gauge,
    pub backup_rpo: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut m = Metrics::default();
        let mut registry = Registry::with_prefix("sladesk");
        registry.register(
            "http_requests",
            "HTTP requests by method and status",
            m.requests.clone(),
        );
        registry.register(
            "tickets_created",
            "Tickets created",
            m.tickets_created.clone(),
        );
        registry.register(
            "mails_sent",
            "Mails delivered to the SMTP server",
            m.mails_sent.clone(),
        );
        registry.register(
            "mails_failed",
            "Mail delivery attempts that failed",
            m.mails_failed.clone(),
        );
        registry.register(
            "sla_alerts",
            "SLA warnings, breaches and auto-close steps handled",
            m.sla_alerts.clone(),
        );
        registry.register(
            "outbox_pending",
            "Mails waiting in the outbox",
            m.outbox_pending.clone(),
        );
        registry.register(
            "backup_newest_verified_timestamp_seconds",
            "When the newest verified backup was taken (0: there is none)",
            m.backup_verified_at.clone(),
        );
        registry.register(
            "backup_newest_verified_age_seconds",
            "Age of the newest verified backup (without one: seconds since 1970, older than any recovery point)",
            m.backup_verified_age.clone(),
        );
        registry.register(
            "backup_rpo_seconds",
            "The recovery point objective the newest verified backup is held to (D1)",
            m.backup_rpo.clone(),
        );
        m.registry = registry;
        m
    }
}
