//! Consistent copies of the database while the server keeps serving, and their way back.
//!
//! - SQLite: `VACUUM INTO` a new file (what vaultwarden does): one read transaction, so the copy
//!   is the database as of one instant, never a copy of a file in use.
//! - PostgreSQL: `pg_dump` in its custom format, of a snapshot exported from a repeatable-read
//!   transaction in which the manifest's counts are taken too, so the counts and the dump are of
//!   the same instant. The machine's `pg_dump` and `pg_restore` are used (found on PATH, or
//!   configured): the dump is PostgreSQL's own, restorable by any operator with PostgreSQL's
//!   tools even without sladesk.
//!
//! A password in the database URL is handed to the tools in `PGPASSWORD`, never on their
//! command line, where every user of the machine could read it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::{AnyConnection, Connection};

use super::BackupError;
use super::manifest::{COUNTED, DatabaseKind};
use crate::store::{Dialect, Store, continuity};

/// The PostgreSQL tools, as configured.
#[derive(Debug, Clone)]
pub struct Tools {
    pub pg_dump: String,
    pub pg_restore: String,
}

/// What a snapshot holds, read inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub schema: i64,
    pub counts: BTreeMap<String, i64>,
}

pub fn kind_of(dialect: Dialect) -> DatabaseKind {
    match dialect {
        Dialect::Sqlite => DatabaseKind::Sqlite,
        Dialect::Postgres => DatabaseKind::Postgres,
    }
}

/// SQLite: a consistent copy of the database of `store` at `plain` (which must not exist).
pub async fn sqlite_copy(store: &Store, plain: &Path) -> Result<(), BackupError> {
    let path = plain.to_str().ok_or_else(|| BackupError::Io {
        what: format!("the backup folder {}", plain.display()),
        source: std::io::Error::other("the path is not UTF-8"),
    })?;
    // A file name is no bind parameter in VACUUM INTO's grammar; quote it as an SQL string.
    let sql = format!("VACUUM INTO '{}'", path.replace('\'', "''"));
    let mut conn = store.read().await?;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map_err(|e| BackupError::Store(e.into()))?;
    Ok(())
}

/// The schema and counts of the database at `url` (one connection, opened and closed here).
pub async fn describe(url: &str) -> Result<Described, BackupError> {
    let dialect = Dialect::of_url(url)?;
    let mut conn = connect(url).await?;
    let described = describe_on(&mut conn, dialect).await;
    let _ = conn.close().await;
    described
}

async fn describe_on(conn: &mut AnyConnection, dialect: Dialect) -> Result<Described, BackupError> {
    Ok(Described {
        schema: continuity::schema_version(conn, dialect).await?,
        counts: continuity::counts(conn, &COUNTED).await?,
    })
}

/// A target made for one restore and removed after it (verification, drills).
#[derive(Debug)]
pub enum Scratch {
    /// A SQLite file, removed with what SQLite keeps beside it.
    SqliteFile(PathBuf),
    /// A data folder of its own, removed whole.
    SqliteFolder(PathBuf),
    /// A PostgreSQL database of its own on `server`, made here and dropped after.
    Postgres { server: String, name: String },
}

impl Scratch {
    /// A database named `prefix` and a random suffix on the server of `server`.
    pub async fn postgres(server: &str, prefix: &str) -> Result<Scratch, BackupError> {
        let suffix = crate::secrets::hex::<6>().map_err(|e| BackupError::Keys(e.to_string()))?;
        let name = format!("{prefix}_{suffix}");
        let mut admin = connect(server).await?;
        let made = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
        made.map_err(|e| BackupError::Store(e.into()))?;
        Ok(Scratch::Postgres {
            server: server.to_string(),
            name,
        })
    }

    pub fn target(&self) -> Target {
        match self {
            Scratch::SqliteFile(file) => Target::Sqlite(file.clone()),
            Scratch::SqliteFolder(folder) => Target::Sqlite(folder.join("sladesk.db")),
            Scratch::Postgres { server, name } => Target::Postgres(with_database(server, name)),
        }
    }

    /// Removes what the restore made; a failure here only leaves garbage, so it is not one.
    pub async fn remove(self) {
        match self {
            Scratch::SqliteFile(file) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = file.as_os_str().to_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
            }
            Scratch::SqliteFolder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Scratch::Postgres { server, name } => {
                if let Ok(mut admin) = connect(&server).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// One connection to the database at `url`, outside any pool.
pub(crate) async fn connect(url: &str) -> Result<AnyConnection, BackupError> {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url)
        .await
        .map_err(|e| BackupError::Store(e.into()))
}

/// PostgreSQL: dumps the database of `store` (at `url`) and hands the dump, as it is written,
/// to `sink` on a blocking thread. Returns what the snapshot holds and what `sink` returned.
pub async fn postgres_dump<T: Send + 'static>(
    store: &Store,
    url: &str,
    tools: &Tools,
    sink: impl FnOnce(&mut dyn Read) -> Result<T, BackupError> + Send + 'static,
) -> Result<(Described, T), BackupError> {
    let mut conn = store.read().await?;
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| BackupError::Store(e.into()))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(|e| BackupError::Store(e.into()))?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| BackupError::Store(e.into()))?;
    let described = describe_on(&mut tx, Dialect::Postgres).await?;
    let (url, password) = libpq_url(url);
    let tool = tools.pg_dump.clone();
    // The transaction stays open while pg_dump reads its snapshot.
    let dumped = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&tool);
        command
            .arg("--format=custom")
            .arg("--compress=0")
            .arg(format!("--snapshot={snapshot}"))
            .arg(format!("--dbname={url}"));
        run_reading(command, &tool, password.as_deref(), sink)
    })
    .await
    .map_err(|e| BackupError::Tool {
        tool: tools.pg_dump.clone(),
        message: e.to_string(),
    })?;
    let _ = tx.rollback().await;
    Ok((described, dumped?))
}

/// Runs `command` and gives its standard output to `sink`; the tool's own words on failure.
fn run_reading<T>(
    mut command: Command,
    tool: &str,
    password: Option<&str>,
    sink: impl FnOnce(&mut dyn Read) -> Result<T, BackupError>,
) -> Result<T, BackupError> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| not_runnable(tool, e))?;
    let stderr = drain(child.stderr.take());
    let mut stdout = child.stdout.take().expect("piped");
    let sunk = sink(&mut stdout);
    drop(stdout);
    if sunk.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| not_runnable(tool, e))?;
    let said = stderr.join().unwrap_or_default();
    let value = sunk?;
    if !status.success() {
        return Err(BackupError::Tool {
            tool: tool.to_string(),
            message: format!("{status}: {}", said.trim()),
        });
    }
    Ok(value)
}

/// Runs `command` feeding `plain` to its standard input.
fn run_writing(
    mut command: Command,
    tool: &str,
    password: Option<&str>,
    plain: &mut dyn Read,
) -> Result<(), BackupError> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| not_runnable(tool, e))?;
    let stderr = drain(child.stderr.take());
    let mut stdin = child.stdin.take().expect("piped");
    let fed = std::io::copy(plain, &mut stdin).and_then(|_| stdin.flush());
    drop(stdin);
    let status = child.wait().map_err(|e| not_runnable(tool, e))?;
    let said = stderr.join().unwrap_or_default();
    if let Err(e) = fed {
        // The archive's damage shows as invalid data; a tool that stopped reading, as a pipe
        // error, whose reason is in what the tool said.
        if e.kind() == std::io::ErrorKind::InvalidData {
            return Err(BackupError::Damaged(e.to_string()));
        }
        if status.success() {
            return Err(BackupError::io(format!("feeding {tool}"))(e));
        }
    }
    if !status.success() {
        return Err(BackupError::Tool {
            tool: tool.to_string(),
            message: format!("{status}: {}", said.trim()),
        });
    }
    Ok(())
}

fn not_runnable(tool: &str, e: std::io::Error) -> BackupError {
    BackupError::Tool {
        tool: tool.to_string(),
        message: format!(
            "cannot be run ({e}); install PostgreSQL's client tools or set backup.pg_dump and backup.pg_restore"
        ),
    }
}

/// Reads a pipe to its end on a thread of its own, so a talkative tool never blocks on it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// The URL without its password, and the password (percent-decoded) for `PGPASSWORD`.
fn libpq_url(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_string(), None);
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    let Some(at) = authority.rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return (url.to_string(), None);
    };
    let password = percent_encoding::percent_decode_str(&userinfo[colon + 1..])
        .decode_utf8_lossy()
        .into_owned();
    let without = format!(
        "{}{}{}",
        &url[..scheme_end + colon],
        &authority[at..],
        &url[authority_end..]
    );
    (without, Some(password))
}

/// The URL of database `name` on the server of `url`.
pub fn with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let path_start = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let query_start = url[path_start..]
        .find('?')
        .map_or(url.len(), |i| path_start + i);
    format!("{}/{name}{}", &url[..path_start], &url[query_start..])
}

/// Where a restore goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The database file of a data folder (`DATA_DIR/sladesk.db`).
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(String),
}

impl Target {
    /// `postgres://…` or a data folder.
    pub fn from_arg(to: &str) -> Target {
        if to.starts_with("postgres://") || to.starts_with("postgresql://") {
            Target::Postgres(to.to_string())
        } else {
            Target::Sqlite(Path::new(to).join("sladesk.db"))
        }
    }

    pub fn database(&self) -> DatabaseKind {
        match self {
            Target::Sqlite(_) => DatabaseKind::Sqlite,
            Target::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// The URL the desk opens it with.
    pub fn url(&self) -> String {
        match self {
            Target::Sqlite(file) => format!("sqlite://{}?mode=rwc", file.display()),
            Target::Postgres(url) => url.clone(),
        }
    }

    /// The target as said to a person (a password hidden).
    pub fn shown(&self) -> String {
        match self {
            Target::Sqlite(file) => file.display().to_string(),
            Target::Postgres(url) => crate::config::redact_url(url),
        }
    }

    /// Whether it holds no table (a missing SQLite file is empty).
    pub async fn is_empty(&self) -> Result<bool, BackupError> {
        if let Target::Sqlite(file) = self
            && std::fs::metadata(file).map_or(true, |m| m.len() == 0)
        {
            return Ok(true);
        }
        let url = match self {
            Target::Sqlite(file) => format!("sqlite://{}?mode=ro", file.display()),
            Target::Postgres(url) => url.clone(),
        };
        let dialect = Dialect::of_url(&url)?;
        let mut conn = connect(&url).await?;
        let tables = continuity::table_count(&mut conn, dialect).await;
        let _ = conn.close().await;
        Ok(tables? == 0)
    }

    /// Restores the plain snapshot `plain` into the target (blocking: run it on a blocking
    /// thread). With `replace`, what the target holds is replaced; the caller checked
    /// emptiness otherwise.
    pub fn restore(
        &self,
        plain: &mut dyn Read,
        replace: bool,
        tools: &Tools,
    ) -> Result<(), BackupError> {
        match self {
            Target::Sqlite(file) => restore_sqlite(file, plain),
            Target::Postgres(url) => {
                let (url, password) = libpq_url(url);
                let mut command = Command::new(&tools.pg_restore);
                command
                    .arg("--no-owner")
                    .arg("--no-privileges")
                    .arg("--exit-on-error")
                    .arg("--single-transaction")
                    .arg(format!("--dbname={url}"));
                if replace {
                    command.arg("--clean").arg("--if-exists");
                }
                run_writing(command, &tools.pg_restore, password.as_deref(), plain)
            }
        }
    }
}

/// Writes the copy beside the target, flushed, then renames it into place. A stale WAL of the
/// file it replaces is removed first: SQLite would otherwise replay it onto the restored file.
fn restore_sqlite(file: &Path, plain: &mut dyn Read) -> Result<(), BackupError> {
    let folder = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(BackupError::io(folder.display().to_string()))?;
    let partial = file.with_extension("db.partial");
    let io = |what: &str| BackupError::io(format!("{what} {}", partial.display()));
    let mut out = std::fs::File::create(&partial).map_err(io("creating"))?;
    let copied = std::io::copy(plain, &mut out);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        if e.kind() == std::io::ErrorKind::InvalidData {
            return Err(BackupError::Damaged(e.to_string()));
        }
        return Err(io("writing")(e));
    }
    out.sync_all().map_err(io("writing"))?;
    drop(out);
    for suffix in ["-wal", "-shm"] {
        let mut stale = file.as_os_str().to_os_string();
        stale.push(suffix);
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("replacing")(e)),
        }
    }
    std::fs::rename(&partial, file).map_err(io("renaming"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_leaves_the_url_for_pgpassword_decoded() {
        assert_eq!(
            libpq_url("postgres://sla:p%40ss@db.example:5432/desk?sslmode=require"),
            (
                "postgres://sla@db.example:5432/desk?sslmode=require".to_string(),
                Some("p@ss".to_string())
            )
        );
        assert_eq!(
            libpq_url("postgres://postgres@127.0.0.1:5432/test"),
            ("postgres://postgres@127.0.0.1:5432/test".to_string(), None)
        );
        assert_eq!(
            libpq_url("postgres://127.0.0.1/test"),
            ("postgres://127.0.0.1/test".to_string(), None)
        );
    }

    #[test]
    fn another_database_on_the_same_server_keeps_the_parameters() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/test?sslmode=disable", "scratch"),
            "postgres://u:p@h:5432/scratch?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h", "scratch"),
            "postgres://h/scratch"
        );
    }

    #[test]
    fn a_target_is_a_data_folder_or_a_postgres_url() {
        assert_eq!(
            Target::from_arg("/srv/desk"),
            Target::Sqlite(PathBuf::from("/srv/desk/sladesk.db"))
        );
        let pg = Target::from_arg("postgres://u:secret@h/d");
        assert_eq!(pg.database(), DatabaseKind::Postgres);
        assert!(!pg.shown().contains("secret"));
    }
}
