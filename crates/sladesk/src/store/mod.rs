//! Storage on SQLite (embedded, zero configuration) or PostgreSQL (several replicas), through
//! one set of queries. SQL is written once with `$1` placeholders, which both databases accept;
//! the few places where they differ (full-text search, row locking) branch on [`Dialect`].
//! Each database has its own migrations folder. The same integration suite runs on both.

pub mod accounts;
pub mod audit;
pub mod outbox;
pub mod tickets;

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};

pub use sqlx::Any;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("unsupported database URL `{0}` (use postgres://… or sqlite://…)")]
    UnsupportedUrl(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the error is a uniqueness violation (for example a duplicate email).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection pool and the dialect it speaks.
#[derive(Debug, Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub dialect: Dialect,
    /// SQLite has one writer at a time; queueing writers here, instead of letting them spin
    /// in SQLite's busy handler (which sleeps in growing steps), keeps write latency flat.
    sqlite_writer: Arc<Mutex<()>>,
}

pub type Transaction = sqlx::Transaction<'static, Any>;

/// A write transaction (holding the SQLite writer's place in line, if on SQLite).
pub struct WriteTx {
    tx: Transaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = Transaction;
    fn deref(&self) -> &Transaction {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Transaction {
        &mut self.tx
    }
}

impl Store {
    /// Connects (creating the SQLite file and its folder if needed) and runs migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::UnsupportedUrl(crate::config::redact_url(url)));
        };
        let options: AnyConnectOptions = url.parse()?;
        let options = options.disable_statement_logging();
        let pool = match dialect {
            Dialect::Sqlite => {
                create_parent_dir(url)?;
                // WAL lets readers work while one writer commits; it is a property of the
                // file, so set it once before the pool opens.
                let mut first = options.connect().await?;
                first.execute("PRAGMA journal_mode=WAL").await?;
                drop(first);
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // NORMAL in WAL mode survives a killed process; only a power loss
                            // can lose the last commits.
                            conn.execute("PRAGMA synchronous=NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout=10000").await?;
                            conn.execute("PRAGMA foreign_keys=ON").await?;
                            // Keeps the planner's statistics fresh on long-lived connections.
                            conn.execute("PRAGMA optimize=0x10002").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Dialect::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        let store = Store {
            pool,
            dialect,
            sqlite_writer: Arc::new(Mutex::new(())),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let files: &[(&'static str, &'static str)] = match self.dialect {
            Dialect::Sqlite => &[
                ("init", include_str!("migrations/sqlite/0001_init.sql")),
                (
                    "queue indexes",
                    include_str!("migrations/sqlite/0002_queue_indexes.sql"),
                ),
            ],
            Dialect::Postgres => &[
                ("init", include_str!("migrations/postgres/0001_init.sql")),
                (
                    "queue indexes",
                    include_str!("migrations/postgres/0002_queue_indexes.sql"),
                ),
            ],
        };
        let migrations = files
            .iter()
            .enumerate()
            .map(|(i, (name, sql))| {
                Migration::new(
                    i as i64 + 1,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// two writers queue instead of failing when a read turns into a write.
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.dialect {
            Dialect::Sqlite => {
                let turn = self.sqlite_writer.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Dialect::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Reads a column, turning a type mismatch into [`StoreError`].
pub(crate) fn col<T>(row: &sqlx::any::AnyRow, name: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    use sqlx::Row;
    Ok(row.try_get(name)?)
}

/// A connection usable for queries, inside or outside a transaction.
pub type Conn = AnyConnection;
