//! The local folder backups are kept in. A file is written under a `.partial` name, flushed to
//! disk, and renamed into place only when whole; its manifest follows the same way, after it.
//! So a backup killed halfway (kill -9, a full disk) leaves at most a `.partial` file, which
//! never counts and is removed by a later run, and an archive without a manifest never counts
//! either.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::BackupError;
use super::manifest::{DatabaseKind, Manifest};

/// A `.partial` file not written to for this long belongs to a run that died.
const ABANDONED_AFTER: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Folder {
    root: PathBuf,
}

impl Folder {
    pub fn new(root: impl Into<PathBuf>) -> Folder {
        Folder { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn create(&self) -> Result<(), BackupError> {
        std::fs::create_dir_all(&self.root).map_err(BackupError::io(format!(
            "creating the backup folder {}",
            self.root.display()
        )))
    }

    /// The archive's name for a backup taken at `at`: `sladesk-20261202T020000Z.sqlite.zst.age`.
    pub fn name_for(at: Timestamp, database: DatabaseKind) -> String {
        format!(
            "sladesk-{}.{}.zst.age",
            at.strftime("%Y%m%dT%H%M%SZ"),
            database.extension()
        )
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Where `name` is written until it is whole.
    pub fn partial(&self, name: &str) -> PathBuf {
        self.root.join(format!("{name}.partial"))
    }

    /// Puts the whole file `partial` in place as `name`: flushed to disk, renamed, and the
    /// folder flushed, so that after a crash the name either holds the whole file or is absent.
    pub fn commit(&self, partial: &Path, name: &str) -> Result<PathBuf, BackupError> {
        let target = self.path(name);
        let io = BackupError::io(format!("storing {}", target.display()));
        std::fs::File::open(partial)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(partial, &target))
            .and_then(|()| sync_dir(&self.root))
            .map_err(io)?;
        Ok(target)
    }

    /// Writes the manifest beside its archive, the same way.
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<PathBuf, BackupError> {
        let path = Manifest::path_of(&self.path(&manifest.name));
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, manifest.to_json())
            .map_err(BackupError::io(format!("writing {}", partial.display())))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        self.commit(&partial, &name)
    }

    /// Removes the `.partial` files of runs that died; returns how many. File times are the
    /// system's, so they are compared with the system's clock, not the desk's.
    pub fn clean_abandoned(&self) -> Result<usize, BackupError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(BackupError::io(self.root.display().to_string())(e)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            // `.partial` files, and what SQLite keeps beside one (`-journal`, `-wal`, `-shm`).
            if !path.to_string_lossy().contains(".partial") {
                continue;
            }
            let idle = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .unwrap_or_default();
            if idle >= ABANDONED_AFTER && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Deletes a backup: its manifest first (so that what remains never counts), then the
    /// archive. A file already gone is not an error.
    pub fn delete(&self, name: &str) -> Result<(), BackupError> {
        let archive = self.path(name);
        for path in [Manifest::path_of(&archive), archive] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(BackupError::io(format!("deleting {}", path.display()))(e)),
            }
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // A rename is durable once the folder's entry is; on Unix, fsync of the folder says so.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
