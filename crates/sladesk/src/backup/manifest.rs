//! The manifest: what a backup holds, written beside its archive as `NAME.manifest.json`, in
//! plain JSON so that a listing, a checksum test and a restore's first checks need no key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::BackupError;

/// The format's name and version; a reader refuses a version it does not know.
pub const FORMAT: &str = "sladesk-backup";
pub const VERSION: u32 = 1;

/// The tables whose rows a manifest counts: the ones an auditor asks about first. The counts are
/// taken inside the snapshot, so a restore must find exactly these numbers.
pub const COUNTED: [&str; 8] = [
    "organizations",
    "users",
    "tickets",
    "ticket_events",
    "audit_log",
    "outages",
    "policy_versions",
    "time_entries",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn key(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }

    /// The archive's file extension before `.zst.age`: what a tool would open it with.
    pub fn extension(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "pgdump",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The archive's file name, e.g. `sladesk-20261202T020000Z.sqlite.zst.age`.
    pub name: String,
    pub database: DatabaseKind,
    /// The newest database migration the backup holds.
    pub schema: i64,
    /// The sladesk that made it.
    pub sladesk: String,
    pub taken_at: Timestamp,
    /// Rows of each table of [`COUNTED`], inside the snapshot.
    pub counts: BTreeMap<String, i64>,
    /// The archive's size in bytes and its SHA-256 (hex), as written.
    pub size: u64,
    pub sha256: String,
    /// The age recipients (public keys) it was encrypted to; one of their keys opens it.
    pub recipients: Vec<String>,
}

impl Manifest {
    /// Where the manifest of the archive at `archive` lives.
    pub fn path_of(archive: &Path) -> PathBuf {
        let mut name = archive.file_name().unwrap_or_default().to_os_string();
        name.push(".manifest.json");
        archive.with_file_name(name)
    }

    /// The manifest of the archive at `archive`.
    pub fn read_for(archive: &Path) -> Result<Manifest, BackupError> {
        let path = Manifest::path_of(archive);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BackupError::NoManifest {
                    name: archive.display().to_string(),
                    path: path.display().to_string(),
                });
            }
            Err(e) => return Err(BackupError::io(path.display().to_string())(e)),
        };
        Manifest::parse(&text).map_err(|message| BackupError::BadManifest {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if manifest.format != FORMAT {
            return Err(format!("`format` is `{}`, not `{FORMAT}`", manifest.format));
        }
        if manifest.version != VERSION {
            return Err(format!(
                "`version` {} is not one this sladesk reads ({VERSION})",
                manifest.version
            ));
        }
        Ok(manifest)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest is always JSON")
    }
}
