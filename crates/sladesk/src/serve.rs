//! `sladesk serve`: the API and the background jobs in one process, stopped gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::desk::{Desk, Policies};
use crate::store::{Store, StoreError};
use crate::web::{self, AppState, Metrics};

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
}

/// A running server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub desk: Desk,
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
    let store = Store::open(&config.database_url()).await?;
    Ok(Desk::new(store, policies, config.public_url.clone())
        .with_webhooks(config.webhooks.clone())
        .with_support_phone(&config.support_phone))
}

/// Starts the API and the jobs.
pub async fn start(config: Config) -> Result<Running, ServeError> {
    let desk = open_desk(&config).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Server)?;
    let metrics = Arc::new(Metrics::new());
    let (shutdown, watcher) = watch::channel(false);
    let jobs = crate::jobs::spawn(desk.clone(), &config, metrics.clone(), watcher.clone());
    let app = web::router(AppState {
        desk: desk.clone(),
        metrics,
        tokens: Default::default(),
    });
    let mut stop = watcher;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    tracing::info!(%addr, "sladesk is listening");
    Ok(Running {
        addr,
        desk,
        shutdown,
        server,
        jobs,
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
