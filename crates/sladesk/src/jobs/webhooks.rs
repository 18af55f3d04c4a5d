//! Delivers outage events to the configured webhooks (JSON POST), with the same back-off as
//! mail: an unreachable receiver is tried again later, and nothing is lost meanwhile.

use std::time::Duration;

use crate::config::JobsConfig;
use crate::desk::Desk;
use crate::store::notifications as store;

pub async fn send_due(
    desk: &Desk,
    client: &reqwest::Client,
    retry: &JobsConfig,
    lease_seconds: i64,
) {
    loop {
        let now = desk.clock.now().as_second();
        let batch = match desk.store.write().await {
            Ok(mut tx) => {
                match store::claim_webhooks(&mut tx, desk.store.dialect, now, lease_seconds, 20)
                    .await
                {
                    Ok(batch) if tx.commit().await.is_ok() => batch,
                    _ => return,
                }
            }
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        for hook in &batch {
            let result = client
                .post(&hook.url)
                .header("content-type", "application/json")
                .body(hook.body.clone())
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    if r.status().is_success() {
                        Ok(())
                    } else {
                        Err(format!("status {}", r.status()))
                    }
                });
            let Ok(mut tx) = desk.store.write().await else {
                return;
            };
            let now = desk.clock.now().as_second();
            let recorded = match &result {
                Ok(()) => store::webhook_sent(&mut tx, hook.id, now).await,
                Err(error) => {
                    let delay = super::mailer::backoff(retry, hook.attempts);
                    tracing::warn!(url = %hook.url, error = %error, retry_in = delay, "webhook delivery failed");
                    store::webhook_failed(&mut tx, hook.id, error, now + delay).await
                }
            };
            if recorded.is_err() || tx.commit().await.is_err() {
                tracing::warn!(
                    webhook = hook.id,
                    "could not record the delivery; it may be sent again"
                );
            }
        }
    }
}
