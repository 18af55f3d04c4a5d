//! Background jobs, run by every `serve` replica: SLA checks (warnings, breaches, auto-close),
//! the monitors' probes, the mail sender, the desk's own backups, and (SQLite) WAL checkpoints. Work is claimed with leases (and `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), so with several replicas each piece is done by one of them; alerts are recorded
//! under a unique key, so each is sent exactly once.

mod imap;
mod mailer;
pub mod monitors;
mod webhooks;

pub use mailer::Mailer;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::desk::Desk;
use crate::metrics::Metrics;
use crate::store::tickets;

/// Starts the jobs; they finish their current round and stop when `shutdown` turns true.
pub fn spawn(
    desk: Desk,
    config: &Config,
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let interval = Duration::from_millis(config.jobs.interval_ms.max(10));
    let lease = config.jobs.lease_seconds.max(1);
    let checks = {
        let desk = desk.clone();
        let metrics = metrics.clone();
        every(interval, shutdown.clone(), move || {
            let desk = desk.clone();
            let metrics = metrics.clone();
            async move { run_sla_checks(&desk, &metrics, lease).await }
        })
    };
    let checkpoints = {
        let desk = desk.clone();
        every(Duration::from_secs(1), shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                if let Err(e) = desk.store.checkpoint().await {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })
    };
    let retention_days = config.jobs.rollup_retention_days.max(1);
    let probes = {
        let desk = desk.clone();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap_or_default();
        every(
            Duration::from_millis(config.jobs.interval_ms.clamp(10, 1_000)),
            shutdown.clone(),
            move || {
                let desk = desk.clone();
                let client = client.clone();
                async move {
                    monitors::run_due_checks(&desk, &client, lease).await;
                    monitors::prune(&desk, retention_days).await;
                }
            },
        )
    };
    let hooks = {
        let desk = desk.clone();
        let client = reqwest::Client::new();
        let retry = config.jobs.clone();
        every(interval, shutdown.clone(), move || {
            let desk = desk.clone();
            let client = client.clone();
            let retry = retry.clone();
            async move { webhooks::send_due(&desk, &client, &retry, lease).await }
        })
    };
    let reports = {
        let desk = desk.clone();
        every(interval, shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                match desk.send_monthly_reports().await {
                    Ok(0) => {}
                    Ok(sent) => tracing::info!(mails = sent, "monthly SLA reports queued"),
                    Err(e) => {
                        tracing::warn!(error = %e, "monthly SLA reports not sent; tried again")
                    }
                }
            }
        })
    };
    // R3, R4: a planned release starts on its day, and the newsletter goes out on its own;
    // once a minute is soon enough (its first
    // update window is in the evening), and a plan that does not fit is said once a minute.
    let releases = {
        let desk = desk.clone();
        every(Duration::from_secs(60), shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                match desk.start_due_rollouts().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(releases = n, "rollouts started on their day"),
                    Err(e) => tracing::warn!(error = %e, "a rollout due today did not start"),
                }
                // R4: the month's newsletter, once whatever the replicas.
                match desk.send_due_newsletter().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(mails = n, "release newsletter queued"),
                    Err(e) => {
                        tracing::warn!(error = %e, "release newsletter not sent; tried again")
                    }
                }
            }
        })
    };
    // F1, F2: the daily fair-use run (once a day whatever the replicas) and the re-checks of
    // cases whose grace period ended (each once).
    let fair_use = {
        let desk = desk.clone();
        every(interval, shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                match desk.run_fair_use_if_due().await {
                    Ok(Some(n)) => tracing::info!(values = n, "fair use judged"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "fair-use run failed; tried again"),
                }
                match desk.recheck_fair_use_cases().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(cases = n, "fair-use cases re-checked"),
                    Err(e) => tracing::warn!(error = %e, "fair-use re-check failed; tried again"),
                }
            }
        })
    };
    // Tickets from before the outcomes were kept (an upgraded database) get theirs once, in
    // batches; a second replica doing the same writes the same figures.
    let backfill = {
        let desk = desk.clone();
        tokio::spawn(async move {
            match desk.rebuild_outcomes(true).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tickets = n, "SLA outcomes derived for older tickets"),
                Err(e) => {
                    tracing::warn!(error = %e, "SLA outcomes of older tickets not derived; run `sladesk report rebuild`")
                }
            }
        })
    };
    // D1: the interval's backup, once whatever the replicas, and the recovery point's watch.
    // The first round waits one period, so that a server that starts serves first (and a
    // test that takes its backups itself is not raced by the job).
    let backups = {
        let desk = desk.clone();
        let period = Duration::from_secs(60).min(interval * 12);
        every_after(period, period, shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                if !desk.backup_setup().enabled {
                    return;
                }
                match desk.back_up_if_due().await {
                    Ok(Some(backup)) => {
                        tracing::info!(backup = backup.id, state = backup.state.as_str(), name = ?backup.name, "backup taken")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "backup not taken; tried again"),
                }
                if let Err(e) = desk.copy_offsite_due().await {
                    tracing::warn!(error = %e, "off-site copies not made; tried again");
                }
                if let Err(e) = desk.watch_recovery_point().await {
                    tracing::warn!(error = %e, "recovery point not checked; tried again");
                }
            }
        })
    };
    // T5: files wait for the scan hook's answer; files no row points at are swept (hourly,
    // after a grace period: their rows may be on their way).
    let files = {
        let desk = desk.clone();
        every(interval, shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                match desk.check_waiting_files().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(files = n, "files checked"),
                    Err(e) => tracing::warn!(error = %e, "files not checked; tried again"),
                }
            }
        })
    };
    let sweep = {
        let desk = desk.clone();
        let hour = Duration::from_secs(3600);
        every_after(hour, hour, shutdown.clone(), move || {
            let desk = desk.clone();
            async move {
                match desk.sweep_orphan_files().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(files = n, "orphan files swept"),
                    Err(e) => tracing::warn!(error = %e, "orphan files not swept; tried again"),
                }
            }
        })
    };
    let mailbox = imap::spawn(desk.clone(), config, shutdown.clone());
    let mailer = Mailer::new(config);
    let mail = every(interval, shutdown, move || {
        let desk = desk.clone();
        let metrics = metrics.clone();
        let mailer = mailer.clone();
        async move { mailer.send_due(&desk, &metrics, lease).await }
    });
    vec![
        checks,
        mail,
        checkpoints,
        probes,
        hooks,
        reports,
        releases,
        fair_use,
        backfill,
        backups,
        files,
        sweep,
    ]
    .into_iter()
    .chain(mailbox)
    .collect()
}

/// As [`every`], with the first round after `first`.
fn every_after<F, Fut>(
    first: Duration,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    round: F,
) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        tokio::select! {
            _ = tokio::time::sleep(first) => {}
            _ = shutdown.changed() => return,
        }
        let _ = every(interval, shutdown, round).await;
    })
}

/// Runs `round` every `interval` until shutdown; a round in progress is always finished.
fn every<F, Fut>(
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    round: F,
) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            round().await;
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
        }
    })
}

/// One round of SLA checks: every ticket whose next check is due.
pub async fn run_sla_checks(desk: &Desk, metrics: &Metrics, lease_seconds: i64) {
    loop {
        let now = desk.clock.now();
        let claimed = match desk.store.write().await {
            Ok(mut tx) => match tickets::claim_due_checks(
                &mut tx,
                desk.store.dialect,
                now.as_second(),
                lease_seconds,
                50,
            )
            .await
            {
                Ok(ids) => match tx.commit().await {
                    Ok(()) => ids,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not claim SLA checks");
                        return;
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim SLA checks");
                    return;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "database unavailable for SLA checks");
                return;
            }
        };
        if claimed.is_empty() {
            return;
        }
        for id in &claimed {
            match desk.check_ticket(*id, desk.clock.now()).await {
                Ok(outcome) => {
                    metrics.sla_alerts.inc_by(outcome.alerts_sent as u64);
                }
                Err(e) => {
                    tracing::error!(ticket = id, error = %e, "SLA check failed; retried when the lease runs out")
                }
            }
        }
        if claimed.len() < 50 {
            return;
        }
    }
}
