//! `sladesk serve`: the API and the background jobs in one process, stopped gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::Config;
use crate::desk::{Desk, Policies};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use crate::web::limits::Limits;
use crate::web::{self, AppState, WebSettings};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("policy file {path}: {message}")]
    Policy { path: String, message: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Server(std::io::Error),
    #[error("the SLA's first version could not be stored: {0}")]
    Versions(String),
    #[error("single sign-on: {0}")]
    Sso(String),
    #[error("backups: {0}")]
    Backup(String),
    #[error(transparent)]
    Files(crate::files::FilesError),
}

/// A running server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub desk: Desk,
    /// On an empty database: the one-time link that creates the first admin.
    pub setup_link: Option<String>,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<Result<(), std::io::Error>>,
    jobs: Vec<JoinHandle<()>>,
}

/// Builds the desk (store, migrations, policies) from the configuration.
pub async fn open_desk(config: &Config) -> Result<Desk, ServeError> {
    let overlay = match &config.policy_file {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|e| ServeError::Policy {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
        ),
        None => None,
    };
    let policies = Policies::new(overlay).map_err(|e| ServeError::Policy {
        path: config
            .policy_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        message: e.to_string(),
    })?;
    let sso = crate::desk::SsoSetup::new(&config.sso).map_err(ServeError::Sso)?;
    let store = Store::open(&config.database_url()).await?;
    let desk = Desk::new(store, policies, config.public_url_for(config.listen))
        .with_webhooks(config.webhooks.clone())
        .with_support_phone(&config.support_phone)
        .with_staff_networks(config.staff_networks.clone())
        .with_sso(sso)
        .with_files(
            crate::files::Files::from_config(config).map_err(ServeError::Files)?,
            config.files.scan_command.clone(),
        )
        .with_backups(crate::desk::BackupSetup::new(config).map_err(ServeError::Backup)?);
    // G3: the policy this server starts with is the first version of the SLA's history.
    desk.ensure_first_version()
        .await
        .map_err(|e| ServeError::Versions(e.to_string()))?;
    Ok(desk)
}

/// Starts the API and the jobs on the system clock.
pub async fn start(config: Config) -> Result<Running, ServeError> {
    start_with_clock(config, Clock::system()).await
}

/// Starts the API and the jobs reading the time from `clock` (tests set a manual one).
pub async fn start_with_clock(mut config: Config, clock: Clock) -> Result<Running, ServeError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Server)?;
    // Links in mails point where the server really listens (port 0 becomes the port it got).
    config.public_url = config.public_url_for(addr);
    let desk = open_desk(&config).await?.with_clock(clock);
    // Nobody can sign in yet: a one-time link, for this process only, creates the first admin.
    let setup_token = match desk.is_empty().await {
        Ok(true) => crate::secrets::hex::<24>().ok(),
        _ => None,
    };
    let setup_link = setup_token
        .as_ref()
        .map(|token| format!("{}/setup?token={token}", desk.public_url));
    let metrics = Arc::new(Metrics::new());
    let (shutdown, watcher) = watch::channel(false);
    let jobs = crate::jobs::spawn(desk.clone(), &config, metrics.clone(), watcher.clone());
    let state = AppState {
        desk: desk.clone(),
        metrics,
        tokens: Default::default(),
        limits: Default::default(),
        settings: Arc::new(WebSettings {
            trusted_proxies: config.trusted_proxies.clone().into(),
            metrics_token: config.metrics.token.clone(),
            metrics_elsewhere: config.metrics.listen.is_some(),
            security_contact: config.security_contact.clone(),
        }),
        setup: Arc::new(web::setup::SetupLink::new(setup_token)),
    };
    let mut jobs = jobs;
    if let Some(metrics_addr) = config.metrics.listen {
        let metrics_listener =
            TcpListener::bind(metrics_addr)
                .await
                .map_err(|source| ServeError::Listen {
                    addr: metrics_addr,
                    source,
                })?;
        let app = web::metrics_router(state.clone());
        let mut stop = watcher.clone();
        jobs.push(tokio::spawn(async move {
            let served = axum::serve(metrics_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        }));
    }
    jobs.push(forget_idle_limits(state.limits.clone(), watcher.clone()));
    let app = web::router(state);
    let mut stop = watcher;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
    });
    tracing::info!(%addr, "sladesk is listening");
    Ok(Running {
        addr,
        desk,
        setup_link,
        shutdown,
        server,
        jobs,
    })
}

/// Every ten minutes, the rate limiters forget addresses that have been quiet.
fn forget_idle_limits(limits: Arc<Limits>, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = every.tick() => limits.forget_idle(),
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
        }
    })
}

impl Running {
    /// Stops accepting, lets in-flight requests and job rounds finish, then returns.
    pub async fn stop(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        let served = self
            .server
            .await
            .map_err(|e| ServeError::Server(std::io::Error::other(e)))?;
        for job in self.jobs {
            let _ = job.await;
        }
        self.desk.store.close().await;
        served.map_err(ServeError::Server)
    }
}
