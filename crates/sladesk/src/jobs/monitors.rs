//! Runs the monitors' checks (A4, H1): HTTP and TCP probes of the components, and the
//! freshness of push monitors' heartbeats, each once per interval across all replicas
//! (claimed with a lease), many at a time. Only per-minute roll-ups of the results are kept.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::desk::Desk;
use crate::store::availability::{self, Monitor};

/// How many checks one replica runs at once.
const CONCURRENCY: usize = 200;

/// Claims and runs every due check; returns how many ran.
pub async fn run_due_checks(desk: &Desk, client: &reqwest::Client, lease_seconds: i64) -> usize {
    let mut total = 0;
    loop {
        let now = desk.clock.now().as_second();
        let claimed = match desk.store.write().await {
            Ok(mut tx) => match availability::claim_due_monitors(
                &mut tx,
                desk.store.dialect,
                now,
                lease_seconds,
                CONCURRENCY as i64,
            )
            .await
            {
                Ok(monitors) if tx.commit().await.is_ok() => monitors,
                _ => return total,
            },
            Err(_) => return total,
        };
        if claimed.is_empty() {
            return total;
        }
        let count = claimed.len();
        let desk = Arc::new(desk.clone());
        let mut running = JoinSet::new();
        for monitor in claimed {
            let client = client.clone();
            let desk = desk.clone();
            running.spawn(async move {
                let failure = probe(&client, &monitor, desk.clock.now()).await.err();
                if let Err(e) = desk.record_check(monitor, failure, desk.clock.now()).await {
                    tracing::warn!(error = %e, "could not record a check");
                }
            });
        }
        while running.join_next().await.is_some() {}
        total += count;
        if count < CONCURRENCY {
            return total;
        }
    }
}

/// One probe: `Ok` when the target answers as expected, else what went wrong.
pub async fn probe(
    client: &reqwest::Client,
    monitor: &Monitor,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let timeout = Duration::from_millis(monitor.timeout_ms.max(1) as u64);
    match monitor.kind.as_str() {
        "heartbeat" => {
            // Silence for more than an interval and a half means the agent is unreachable (H1).
            let allowed = monitor.interval_seconds + (monitor.interval_seconds / 2).max(5);
            match monitor.last_beat_at {
                Some(beat) if now.as_second() - beat <= allowed => Ok(()),
                Some(beat) => Err(format!(
                    "agent unreachable: no heartbeat for {} s",
                    now.as_second() - beat
                )),
                None => Err("agent unreachable: no heartbeat received yet".into()),
            }
        }
        "tcp" => {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&monitor.target))
                .await
            {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!("connect: {e}")),
                Err(_) => Err(format!("no connection within {} ms", monitor.timeout_ms)),
            }
        }
        _ => {
            let method = reqwest::Method::from_bytes(monitor.method.as_bytes())
                .unwrap_or(reqwest::Method::GET);
            let response = client
                .request(method, &monitor.target)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| format!("request failed: {e}"))?;
            let status = response.status().as_u16() as i64;
            if status != monitor.expected_status {
                return Err(format!(
                    "status {status}, expected {}",
                    monitor.expected_status
                ));
            }
            if let Some(text) = &monitor.body_contains {
                let body = response
                    .text()
                    .await
                    .map_err(|e| format!("reading the body: {e}"))?;
                if !body.contains(text.as_str()) {
                    return Err(format!("the body does not contain `{text}`"));
                }
            }
            Ok(())
        }
    }
}

/// Deletes roll-ups older than the retention (and expired sessions and links), at most once an
/// hour per replica.
pub async fn prune(desk: &Desk, retention_days: i64) {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = desk.clock.now().as_second();
    if now - LAST.load(Ordering::Relaxed) < 3600 {
        return;
    }
    LAST.store(now, Ordering::Relaxed);
    if let Ok(mut tx) = desk.store.write().await {
        // Expired sessions and spent one-time links go in the same hourly round.
        if let Err(e) = crate::store::sessions::housekeeping(&mut tx, now).await {
            tracing::warn!(error = %e, "could not delete expired sessions");
        }
        match availability::prune_roll_ups(&mut tx, now - retention_days * 86_400).await {
            Ok(n) if tx.commit().await.is_ok() => {
                tracing::debug!(deleted = n, "pruned monitor roll-ups")
            }
            _ => tracing::warn!("could not prune monitor roll-ups"),
        }
    }
}
