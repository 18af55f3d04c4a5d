//! Delivers the outbox over SMTP (lettre), with exponential back-off: a mail whose delivery
//! fails stays in the outbox and is tried again later, so nothing is lost while the SMTP server
//! is down.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, JobsConfig};
use crate::desk::Desk;
use crate::domain::attachments::FileState;
use crate::metrics::Metrics;
use crate::store::outbox::{self, Mail};

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
    /// Where replies go (`[mail_in] address`); empty: to the sender address.
    reply_to: String,
    retry: JobsConfig,
}

impl Mailer {
    pub fn new(config: &Config) -> Mailer {
        let smtp = &config.smtp;
        let transport = if smtp.host.is_empty() {
            None
        } else {
            let builder = match smtp.tls.as_str() {
                "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
                "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
                // Plain SMTP, for a relay on this machine or a mail catcher.
                _ => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                    &smtp.host,
                )),
            };
            match builder {
                Ok(builder) => {
                    let mut builder = builder
                        .port(smtp.port)
                        .timeout(Some(Duration::from_secs(10)));
                    if !smtp.username.is_empty() {
                        builder = builder.credentials(Credentials::new(
                            smtp.username.clone(),
                            smtp.password.clone(),
                        ));
                    }
                    Some(builder.build())
                }
                Err(e) => {
                    tracing::error!(error = %e, "SMTP settings are not usable: mail stays in the outbox");
                    None
                }
            }
        };
        if transport.is_none() {
            tracing::info!("no SMTP host configured: mail stays in the outbox");
        }
        Mailer {
            transport,
            from: smtp.from.clone(),
            reply_to: config.mail_in.address.clone(),
            retry: config.jobs.clone(),
        }
    }

    /// Sends every mail that is due, a batch at a time.
    pub async fn send_due(&self, desk: &Desk, metrics: &Metrics, lease_seconds: i64) {
        let Some(transport) = &self.transport else {
            return;
        };
        loop {
            let now = desk.clock.now().as_second();
            let batch = match desk.store.write().await {
                Ok(mut tx) => {
                    match outbox::claim_due(&mut tx, desk.store.dialect, now, lease_seconds, 20)
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
            for mail in &batch {
                let result = match carried_files(desk, mail).await {
                    Ok(files) => self.deliver(transport, mail, files).await,
                    Err(waiting) => Err(waiting),
                };
                let Ok(mut conn) = desk.store.write().await else {
                    return;
                };
                let now = desk.clock.now().as_second();
                let recorded = match &result {
                    Ok(()) => {
                        metrics.mails_sent.inc();
                        outbox::mark_sent(&mut conn, mail.id, now).await
                    }
                    Err(error) => {
                        metrics.mails_failed.inc();
                        let delay = backoff(&self.retry, mail.attempts);
                        tracing::warn!(mail = mail.id, attempt = mail.attempts + 1, retry_in = delay, error = %error, "mail delivery failed");
                        outbox::mark_failed(&mut conn, mail.id, error, now + delay).await
                    }
                };
                if recorded.is_err() || conn.commit().await.is_err() {
                    tracing::warn!(
                        mail = mail.id,
                        "could not record the delivery; it may be sent again"
                    );
                }
                if result.is_err() {
                    // The server is probably down: leave the rest of the batch for later.
                    return;
                }
            }
        }
    }

    async fn deliver(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        mail: &Mail,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<(), String> {
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| format!("bad sender address: {e}"))?;
        let mut message = Message::builder()
            // RFC 3834: written by the desk, so out-of-office responders do not answer it (and
            // the desk's own answers never start a loop with another robot).
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ));
        if let Some(key) = &mail.message_id {
            message = message.message_id(Some(format!("<{key}@{}>", from.email.domain())));
        }
        if !self.reply_to.is_empty() {
            message = message.reply_to(
                self.reply_to
                    .parse()
                    .map_err(|e| format!("bad reply-to address: {e}"))?,
            );
        }
        let message = message
            .from(from)
            .to(mail
                .recipient
                .parse()
                .map_err(|e| format!("bad recipient address: {e}"))?)
            .subject(&mail.subject);
        let message = if files.is_empty() {
            message
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone()));
            for (name, bytes) in files {
                parts = parts.singlepart(Attachment::new(name).body(
                    bytes,
                    ContentType::parse("application/octet-stream").map_err(|e| e.to_string())?,
                ));
            }
            message.multipart(parts)
        }
        .map_err(|e| e.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The files a mail carries, read from the file store; an error (the mail waits) while one
/// is still being checked. A file the check refused is left out.
async fn carried_files(desk: &Desk, mail: &Mail) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for &id in &mail.files {
        let found = match desk.store.read().await {
            Ok(mut conn) => crate::store::attachments::by_id(&mut conn, id)
                .await
                .map_err(|e| e.to_string())?,
            Err(e) => return Err(e.to_string()),
        };
        let Some(file) = found else { continue };
        match file.state {
            FileState::Checking => return Err(format!("file {id} is still being checked")),
            FileState::Refused => continue,
            FileState::Available => {}
        }
        let bytes = desk
            .files()
            .get(&file.sha256)
            .await
            .map_err(|e| e.to_string())?;
        files.push((file.name, bytes));
    }
    Ok(files)
}

/// Seconds until the next attempt after `attempts` failed ones: doubling, capped.
pub(crate) fn backoff(retry: &JobsConfig, attempts: i64) -> i64 {
    let first = retry.mail_retry_first_seconds.max(1);
    let doubled = first.saturating_mul(1i64 << attempts.clamp(0, 20));
    doubled.min(retry.mail_retry_max_seconds.max(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = JobsConfig {
            mail_retry_first_seconds: 30,
            mail_retry_max_seconds: 3600,
            ..JobsConfig::default()
        };
        let delays: Vec<i64> = (0..9).map(|a| backoff(&retry, a)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
