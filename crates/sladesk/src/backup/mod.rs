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
pub mod offsite;
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
    #[error("restored schema {restored}, {manifest} in the manifest")]
    SchemaMismatch { restored: i64, manifest: i64 },
    #[error("{table}: {restored} rows restored, {manifest} in the manifest")]
    CountMismatch {
        table: String,
        restored: i64,
        manifest: i64,
    },
    #[error("SQLite's integrity check of the restored copy: {0}")]
    Integrity(String),
    #[error("the SLA of {ticket} recomputed from its events differs from what was stored")]
    SlaDisagrees { ticket: String },
    #[error("the SLA of {ticket} cannot be recomputed: {detail}")]
    SlaUnreadable { ticket: String, detail: String },
    #[error("the restored desk did not answer {what} as it should: {detail}")]
    Unanswered { what: String, detail: String },
    #[error("object storage, {what}: {detail}")]
    Offsite { what: String, detail: String },
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
            BackupError::SchemaMismatch { restored, manifest } => {
                Message::new("backup_error_schema_mismatch")
                    .number("restored", *restored)
                    .number("manifest", *manifest)
            }
            BackupError::CountMismatch {
                table,
                restored,
                manifest,
            } => Message::new("backup_error_count_mismatch")
                .given("table", table)
                .number("restored", *restored)
                .number("manifest", *manifest),
            BackupError::Integrity(detail) => {
                Message::new("backup_error_integrity").given("detail", detail)
            }
            BackupError::SlaDisagrees { ticket } => {
                Message::new("backup_error_sla_disagrees").given("ticket", ticket)
            }
            BackupError::SlaUnreadable { ticket, detail } => {
                Message::new("backup_error_sla_unreadable")
                    .given("ticket", ticket)
                    .given("detail", detail)
            }
            BackupError::Unanswered { what, detail } => Message::new("backup_error_unanswered")
                .given("what", what)
                .given("detail", detail),
            BackupError::Offsite { what, detail } => Message::new("backup_error_offsite")
                .given("what", what)
                .given("detail", detail),
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

#[cfg(test)]
mod tests {
    use super::*;
    use sladesk_core::text::Language;

    /// Every reason a backup, a verification or a restore fails, told in both languages from
    /// the catalogue, and kept and told again the same (`to_stored`, `stored_text`).
    #[test]
    fn every_error_is_told_in_both_languages_and_survives_being_kept() {
        let io = || std::io::Error::other("disk full");
        let all = [
            BackupError::Io {
                what: "writing".into(),
                source: io(),
            },
            BackupError::Store(crate::store::StoreError::Corrupt("x".into())),
            BackupError::Tool {
                tool: "pg_dump".into(),
                message: "exit 1".into(),
            },
            BackupError::Keys("none".into()),
            BackupError::Checksum { name: "a".into() },
            BackupError::WrongKey,
            BackupError::Damaged("short".into()),
            BackupError::NoManifest {
                name: "a".into(),
                path: "b".into(),
            },
            BackupError::BadManifest {
                path: "b".into(),
                message: "c".into(),
            },
            BackupError::NewerSchema {
                backup: 30,
                known: 22,
            },
            BackupError::WrongDatabase {
                backup: "postgres".into(),
                target: "sqlite".into(),
            },
            BackupError::TargetNotEmpty("t".into()),
            BackupError::SchemaMismatch {
                restored: 1,
                manifest: 2,
            },
            BackupError::CountMismatch {
                table: "tickets".into(),
                restored: 1,
                manifest: 2,
            },
            BackupError::Integrity("page 4".into()),
            BackupError::SlaDisagrees {
                ticket: "SD-000001".into(),
            },
            BackupError::SlaUnreadable {
                ticket: "SD-000001".into(),
                detail: "x".into(),
            },
            BackupError::Unanswered {
                what: "/healthz".into(),
                detail: "503".into(),
            },
            BackupError::Offsite {
                what: "uploading".into(),
                detail: "connection refused".into(),
            },
        ];
        for error in all {
            let message = error.message();
            for language in [Language::En, Language::Nl] {
                let text = message.text(language);
                assert_ne!(
                    text, message.key,
                    "{} has no text in {language:?}",
                    message.key
                );
                assert_eq!(
                    crate::catalogue::stored_text(&message.to_stored(), language),
                    text
                );
            }
            assert_ne!(
                message.text(Language::En),
                message.text(Language::Nl),
                "{}",
                message.key
            );
        }
        assert_eq!(
            crate::catalogue::stored_text("written before", Language::Nl),
            "written before"
        );
    }
}
