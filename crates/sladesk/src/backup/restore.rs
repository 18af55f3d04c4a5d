//! Restoring an archive into a target, with every check a restore owes its operator before it
//! touches anything: the manifest is there and of a format this sladesk reads, the archive
//! matches its checksum, its schema is not newer than this sladesk knows, the target is of the
//! same database and empty (unless replacing was asked for), and the key opens it.

use std::path::Path;

use super::BackupError;
use super::archive;
use super::manifest::Manifest;
use super::snapshot::{Target, Tools};
use crate::store::{Dialect, Store};

/// Checks `archive` against its manifest and this sladesk, without a key; returns the manifest.
pub fn check(archive_path: &Path) -> Result<Manifest, BackupError> {
    let manifest = Manifest::read_for(archive_path)?;
    let found = archive::checksum_of(archive_path)?;
    if found.size != manifest.size || found.sha256 != manifest.sha256 {
        return Err(BackupError::Checksum {
            name: archive_path.display().to_string(),
        });
    }
    let dialect = match manifest.database {
        super::manifest::DatabaseKind::Sqlite => Dialect::Sqlite,
        super::manifest::DatabaseKind::Postgres => Dialect::Postgres,
    };
    let known = Store::known_schema(dialect);
    if manifest.schema > known {
        return Err(BackupError::NewerSchema {
            backup: manifest.schema,
            known,
        });
    }
    Ok(manifest)
}

/// Restores `archive_path` into `target` with one of `identities`. Refuses a target that is
/// not empty unless `replace`. Returns the manifest of what was restored.
pub async fn restore(
    archive_path: &Path,
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    target: &Target,
    replace: bool,
    tools: &Tools,
) -> Result<Manifest, BackupError> {
    let manifest = check(archive_path)?;
    if manifest.database != target.database() {
        return Err(BackupError::WrongDatabase {
            backup: manifest.database.key().into(),
            target: target.database().key().into(),
        });
    }
    if !replace && !target.is_empty().await? {
        return Err(BackupError::TargetNotEmpty(target.shown()));
    }
    let path = archive_path.to_path_buf();
    let target = target.clone();
    let tools = tools.clone();
    tokio::task::spawn_blocking(move || {
        let file =
            std::fs::File::open(&path).map_err(BackupError::io(path.display().to_string()))?;
        let keys: Vec<&dyn age::Identity> = identities
            .iter()
            .map(|i| i.as_ref() as &dyn age::Identity)
            .collect();
        let mut plain = archive::open(file, &keys)?;
        target.restore(&mut plain, replace, &tools)
    })
    .await
    .map_err(|e| BackupError::Io {
        what: "restoring".into(),
        source: std::io::Error::other(e),
    })??;
    Ok(manifest)
}

/// Compares what the restored database at `url` holds with the manifest.
pub async fn compare(url: &str, manifest: &Manifest) -> Result<(), BackupError> {
    let found = super::snapshot::describe(url).await?;
    if found.schema != manifest.schema {
        return Err(BackupError::SchemaMismatch {
            restored: found.schema,
            manifest: manifest.schema,
        });
    }
    for (table, counted) in &manifest.counts {
        let restored = found.counts.get(table).copied().unwrap_or(-1);
        if restored != *counted {
            return Err(BackupError::CountMismatch {
                table: table.clone(),
                restored,
                manifest: *counted,
            });
        }
    }
    Ok(())
}
