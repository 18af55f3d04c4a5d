//! Storage on SQLite (embedded, zero configuration) or PostgreSQL (several replicas), through
//! one set of queries. SQL is written once with `$1` placeholders, which both databases accept;
//! the few places where they differ (full-text search, row locking) branch on [`Dialect`].
//! Each database has its own migrations folder. The same integration suite runs on both.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod availability;
pub mod billing;
pub mod continuity;
pub mod exchange;
pub mod fairuse;
pub mod inbound;
pub mod notifications;
pub mod outbox;
pub mod policies;
pub mod preferences;
pub mod registrations;
pub mod releases;
pub mod sessions;
pub mod set_aside;
pub mod sso;
pub mod throttles;
pub mod tickets;

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
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

impl Dialect {
    /// The database a URL names: `postgres://…` or `sqlite:…`.
    pub fn of_url(url: &str) -> Result<Dialect, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else {
            Err(StoreError::UnsupportedUrl(crate::config::redact_url(url)))
        }
    }
}

/// A connection pool and the dialect it speaks.
#[derive(Debug, Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub dialect: Dialect,
    /// SQLite only: the one connection that writes. Writers queue for it here instead of
    /// spinning in SQLite's busy handler (which sleeps in growing steps).
    writer: Option<AnyPool>,
}

pub type Transaction = sqlx::Transaction<'static, Any>;

/// A write transaction.
pub struct WriteTx {
    tx: Transaction,
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
        let dialect = Dialect::of_url(url)?;
        let options: AnyConnectOptions = url.parse()?;
        let options = options.disable_statement_logging();
        let store = match dialect {
            Dialect::Sqlite => {
                create_parent_dir(url)?;
                // WAL lets readers work while one writer commits; it is a property of the
                // file, so set it once before the pools open.
                let mut first = options.clone().connect().await?;
                first.execute("PRAGMA journal_mode=WAL").await?;
                drop(first);
                // SQLite has one writer at a time. Writes go through a pool of one connection
                // (callers queue for it) whose page cache stays warm; reads use their own pool.
                let writer = sqlite_pool(options.clone(), 1, true).await?;
                let pool = sqlite_pool(options, 8, false).await?;
                Store {
                    pool,
                    writer: Some(writer),
                    dialect,
                }
            }
            Dialect::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Store {
                    pool,
                    writer: None,
                    dialect,
                }
            }
        };
        // A large import killed before its end left indexes set aside: made again before the
        // migrations, which may name them.
        set_aside::restore(&store).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.dialect {
            Dialect::Sqlite => SQLITE.run(&self.pool).await?,
            Dialect::Postgres => POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The newest migration this sladesk knows: a backup of a newer schema is not restored.
    pub fn known_schema(dialect: Dialect) -> i64 {
        let migrator = match dialect {
            Dialect::Sqlite => &SQLITE,
            Dialect::Postgres => &POSTGRES,
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// two writers queue instead of failing when a read turns into a write.
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        Ok(match &self.writer {
            Some(writer) => WriteTx {
                tx: writer.begin_with("BEGIN IMMEDIATE").await?,
            },
            None => WriteTx {
                tx: self.pool.begin().await?,
            },
        })
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Closes every connection (after the ones in use are returned).
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }

    /// SQLite: copies committed pages from the WAL back into the database without blocking
    /// the writer, so the WAL stays small. Does nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

// Each database has its folder of numbered SQL files, embedded at build time.
static SQLITE: Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("src/store/migrations/postgres");

async fn sqlite_pool(
    options: AnyConnectOptions,
    size: u32,
    writer: bool,
) -> Result<AnyPool, StoreError> {
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(30))
        // An embedded file does not drop connections; a ping per checkout would be one more
        // round trip to the connection's worker thread for nothing.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // NORMAL in WAL mode survives a killed process; only a power loss can lose
                // the last commits.
                conn.execute("PRAGMA synchronous=NORMAL").await?;
                conn.execute("PRAGMA busy_timeout=10000").await?;
                conn.execute("PRAGMA foreign_keys=ON").await?;
                conn.execute("PRAGMA cache_size=-16000").await?;
                conn.execute("PRAGMA mmap_size=268435456").await?;
                // Keeps the planner's statistics fresh on long-lived connections.
                conn.execute("PRAGMA optimize=0x10002").await?;
                if writer {
                    // Keep SQLite's own checkpoint after large commits (it also lets the WAL
                    // start over); the checkpoint job does most of the copying beforehand.
                    conn.execute("PRAGMA journal_size_limit=67108864").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
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

/// The SQL that claims due rows of `table` for a while: `$1` is the lease's end, `$2` now,
/// `$3` the most rows. The lease condition is checked again on each row that is updated, so two
/// replicas never both claim a row; on PostgreSQL, rows another replica is claiming are skipped.
pub(crate) fn claim_sql(
    dialect: Dialect,
    table: &str,
    lease: &str,
    due: &str,
    order: &str,
    returning: &str,
) -> String {
    let lock = match dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    format!(
        "UPDATE {table} SET {lease} = $1
         WHERE id IN (SELECT id FROM {table} WHERE {due} AND ({lease} IS NULL OR {lease} < $2)
                      ORDER BY {order} LIMIT $3{lock})
           AND ({lease} IS NULL OR {lease} < $2)
         RETURNING {returning}"
    )
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
