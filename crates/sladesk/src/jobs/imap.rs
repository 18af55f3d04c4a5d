//! Replies by mail from a mailbox (docs/MAIL.md): `serve` reads `[mail_in.imap]`'s folder over
//! IMAP (TLS, or plain to a server on this machine), acts on each message as `sladesk mail
//! receive` does, and moves it to the done folder; then waits with IDLE where the server has
//! it, else looks again after a while. A dropped connection is opened again, sooner at first.
//! With several replicas each may read the mailbox: a message is acted on once whatever the
//! number of readers (its Message-ID is claimed first), and moving it twice is harmless.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::config::{Config, ImapConfig};
use crate::desk::{Desk, MailInError};

/// A connection, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Stream for T {}

type ImapSession = Session<Box<dyn Stream>>;

/// Starts the reader when a mailbox is configured.
pub fn spawn(
    desk: Desk,
    config: &Config,
    mut shutdown: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let imap = config.mail_in.imap.clone();
    if imap.host.is_empty() {
        return None;
    }
    let max = config.mail_in.max_message_bytes;
    Some(tokio::spawn(async move {
        let mut wait = Duration::from_secs(1);
        loop {
            match read_mailbox(&desk, &imap, max, &mut shutdown).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(host = %imap.host, error = %e, retry_in = ?wait, "the mailbox could not be read; trying again");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            wait = (wait * 2).min(Duration::from_secs(300));
        }
    }))
}

async fn connect(imap: &ImapConfig) -> Result<ImapSession, String> {
    let tcp = tokio::time::timeout(
        Duration::from_secs(30),
        TcpStream::connect((imap.host.as_str(), imap.port)),
    )
    .await
    .map_err(|_| "connecting timed out".to_string())?
    .map_err(|e| format!("connecting: {e}"))?;
    let stream: Box<dyn Stream> = match imap.tls.as_str() {
        "none" => Box::new(tcp),
        "tls" => {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(file) = &imap.ca_file {
                for cert in CertificateDer::pem_file_iter(file)
                    .map_err(|e| format!("{}: {e}", file.display()))?
                {
                    let cert = cert.map_err(|e| format!("{}: {e}", file.display()))?;
                    roots
                        .add(cert)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                }
            }
            let tls = ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = ServerName::try_from(imap.host.clone())
                .map_err(|e| format!("{}: {e}", imap.host))?;
            Box::new(
                TlsConnector::from(Arc::new(tls))
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?,
            )
        }
        other => return Err(format!("mail_in.imap.tls `{other}` is not tls or none")),
    };
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| format!("greeting: {e}"))?
        .ok_or("the server closed the connection before greeting")?;
    client
        .login(&imap.username, &imap.password)
        .await
        .map_err(|(e, _)| format!("login: {e}"))
}

/// Reads the mailbox until shutdown (Ok) or until the connection fails (Err).
async fn read_mailbox(
    desk: &Desk,
    imap: &ImapConfig,
    max_bytes: usize,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let failed = |what: &'static str| move |e: async_imap::error::Error| format!("{what}: {e}");
    let mut session = connect(imap).await?;
    // Made once; "already exists" is the usual answer after that.
    let _ = session.create(&imap.done_folder).await;
    let capabilities = session
        .capabilities()
        .await
        .map_err(failed("capabilities"))?;
    let (can_idle, can_move) = (capabilities.has_str("IDLE"), capabilities.has_str("MOVE"));
    session
        .select(&imap.folder)
        .await
        .map_err(failed("select"))?;
    let pause = Duration::from_secs(imap.poll_seconds.max(1));
    loop {
        let mut uids: Vec<u32> = session
            .uid_search("ALL")
            .await
            .map_err(failed("search"))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        for uid in uids {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .map_err(failed("fetch"))?
                .try_collect()
                .await
                .map_err(failed("fetch"))?;
            let Some(raw) = fetched.iter().find_map(|f| f.body()).map(<[u8]>::to_vec) else {
                continue;
            };
            let acted = match desk.receive_mail(&raw, max_bytes).await {
                Ok(received) => {
                    tracing::info!(uid, outcome = ?received, "mail read from the mailbox");
                    true
                }
                // Refused whole: there is nobody to bounce it to here; logged and moved on.
                Err(MailInError::Refused(e)) => {
                    tracing::warn!(uid, error = %e, "mail in the mailbox refused");
                    true
                }
                // The desk could not act now: the message stays for the next look.
                Err(MailInError::Desk(e)) => {
                    tracing::warn!(uid, error = %e, "mail left in the mailbox for later");
                    false
                }
            };
            if acted {
                move_done(&mut session, uid, &imap.done_folder, can_move).await?;
            }
        }
        if *shutdown.borrow() {
            let _ = session.logout().await;
            return Ok(());
        }
        if can_idle {
            let mut idle = session.idle();
            idle.init().await.map_err(failed("idle"))?;
            let (news, _stop) = idle.wait_with_timeout(pause.max(Duration::from_secs(60)));
            let stopping = tokio::select! {
                answer = news => { answer.map_err(failed("idle"))?; false }
                _ = shutdown.changed() => true,
            };
            session = idle.done().await.map_err(failed("idle"))?;
            if stopping {
                let _ = session.logout().await;
                return Ok(());
            }
        } else {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {
                    let _ = session.logout().await;
                    return Ok(());
                }
            }
        }
    }
}

/// Moves a message acted on to the done folder (MOVE, or COPY and expunge without it).
async fn move_done(
    session: &mut ImapSession,
    uid: u32,
    folder: &str,
    can_move: bool,
) -> Result<(), String> {
    let uid = uid.to_string();
    if can_move {
        return session
            .uid_mv(&uid, folder)
            .await
            .map_err(|e| format!("move: {e}"));
    }
    session
        .uid_copy(&uid, folder)
        .await
        .map_err(|e| format!("copy: {e}"))?;
    let _: Vec<_> = session
        .uid_store(&uid, "+FLAGS.SILENT (\\Deleted)")
        .await
        .map_err(|e| format!("store: {e}"))?
        .try_collect()
        .await
        .map_err(|e| format!("store: {e}"))?;
    let _: Vec<_> = session
        .expunge()
        .await
        .map_err(|e| format!("expunge: {e}"))?
        .try_collect()
        .await
        .map_err(|e| format!("expunge: {e}"))?;
    Ok(())
}
