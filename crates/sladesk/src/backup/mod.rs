//! The desk's own backups (D1), as files: a consistent snapshot of the database
//! ([`snapshot`]), compressed and encrypted into one archive with its checksum ([`archive`]),
//! described by a manifest beside it ([`manifest`]), kept in a folder where a backup killed
//! halfway leaves nothing that counts ([`folder`]). Which backup is due, its verification and
//! its record in the database are the desk's (`desk::backups`); this module knows files,
//! processes and keys, not the desk.

pub mod archive;
pub mod folder;
pub mod keys;
pub mod manifest;
pub mod restore;
pub mod snapshot;

pub use manifest::Manifest;

/// Why a backup, a verification or a restore did not happen. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{tool} failed: {message}")]
    Tool { tool: String, message: String },
    #[error("no backup key: {0}")]
    Keys(String),
    #[error(
        "the backup {name} does not match its checksum (a damaged or truncated file); it cannot be restored"
    )]
    Checksum { name: String },
    #[error("the backup cannot be opened with this key (it was encrypted to another one)")]
    WrongKey,
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("the backup {name} has no manifest ({path}); a backup without one never counts")]
    NoManifest { name: String, path: String },
    #[error("the manifest {path} is not valid: {message}")]
    BadManifest { path: String, message: String },
    #[error(
        "the backup is of database schema {backup}, newer than this sladesk knows ({known}); restore it with the sladesk that made it"
    )]
    NewerSchema { backup: i64, known: i64 },
    #[error(
        "a {backup} backup cannot be restored into {target}; move between databases with `sladesk export` and `sladesk import`"
    )]
    WrongDatabase { backup: String, target: String },
    #[error(
        "the target {0} is not empty; restore into an empty one, or add --force to replace what it holds"
    )]
    TargetNotEmpty(String),
    #[error("the backup does not agree with its manifest: {0}")]
    Mismatch(String),
}

impl BackupError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
        let what = what.into();
        move |source| BackupError::Io { what, source }
    }

    /// The error in the catalogue's words (`backup_error_*`), for the command line and pages.
    pub fn message(&self) -> crate::catalogue::Message {
        use crate::catalogue::Message;
        match self {
            BackupError::Io { what, source } => Message::new("backup_error_io")
                .given("what", what)
                .given("detail", source),
            BackupError::Store(e) => Message::new("backup_error_database").given("detail", e),
            BackupError::Tool { tool, message } => Message::new("backup_error_tool")
                .given("tool", tool)
                .given("detail", message),
            BackupError::Keys(detail) => Message::new("backup_error_keys").given("detail", detail),
            BackupError::Checksum { name } => {
                Message::new("backup_error_checksum").given("name", name)
            }
            BackupError::WrongKey => Message::new("backup_error_wrong_key"),
            BackupError::Damaged(detail) => {
                Message::new("backup_error_damaged").given("detail", detail)
            }
            BackupError::NoManifest { name, path } => Message::new("backup_error_no_manifest")
                .given("name", name)
                .given("path", path),
            BackupError::BadManifest { path, message } => Message::new("backup_error_bad_manifest")
                .given("path", path)
                .given("detail", message),
            BackupError::NewerSchema { backup, known } => Message::new("backup_error_newer_schema")
                .number("backup", *backup)
                .number("known", *known),
            BackupError::WrongDatabase { backup, target } => {
                Message::new("backup_error_wrong_database")
                    .given("backup", backup)
                    .given("target", target)
            }
            BackupError::TargetNotEmpty(target) => {
                Message::new("backup_error_target_not_empty").given("target", target)
            }
            BackupError::Mismatch(detail) => {
                Message::new("backup_error_mismatch").given("detail", detail)
            }
        }
    }

    /// Whether the error is the input's (a file, a key, a target the operator named), not a
    /// failure of the machine: the command line exits with 2 for these.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            BackupError::Checksum { .. }
                | BackupError::WrongKey
                | BackupError::Damaged(_)
                | BackupError::NoManifest { .. }
                | BackupError::BadManifest { .. }
                | BackupError::NewerSchema { .. }
                | BackupError::WrongDatabase { .. }
                | BackupError::TargetNotEmpty(_)
                | BackupError::Keys(_)
        )
    }
}
