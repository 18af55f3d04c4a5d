//! The off-site copy of each verified backup, in S3-compatible object storage (the
//! `object_store` crate): the archive uploaded in parts as it is read, then its manifest, then
//! the stored size checked. The manifest goes last, as in the folder, so an interrupted upload
//! leaves nothing that counts; deleting takes the manifest first.

use std::sync::Arc;

use object_store::aws::AmazonS3;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::BackupError;
use super::folder::Folder;
use super::manifest::Manifest;
use crate::config::OffsiteConfig;

/// Parts of 8 MiB, at most four in flight: S3's minimum part is 5 MiB.
const PART: usize = 8 << 20;

#[derive(Debug, Clone)]
pub struct Offsite {
    store: Arc<AmazonS3>,
    prefix: String,
    shown: String,
}

fn failed(what: &str) -> impl FnOnce(object_store::Error) -> BackupError + '_ {
    move |e| BackupError::Offsite {
        what: what.to_string(),
        detail: e.to_string(),
    }
}

impl Offsite {
    /// The configured object storage; none when no `url` is set.
    pub fn from_config(config: &OffsiteConfig) -> Result<Option<Offsite>, String> {
        if config.url.is_empty() {
            return Ok(None);
        }
        let (store, prefix) = crate::files::s3_bucket(config, "backup.offsite")?;
        Ok(Some(Offsite {
            store: Arc::new(store),
            prefix,
            shown: config.url.clone(),
        }))
    }

    /// Where the copies go, as configured (`s3://bucket/prefix`).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn path(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    /// Copies the backup `name` of `folder` (its archive, then its manifest) and checks the
    /// stored size.
    pub async fn upload(&self, folder: &Folder, name: &str) -> Result<(), BackupError> {
        let archive = folder.path(name);
        let mut file = tokio::fs::File::open(&archive)
            .await
            .map_err(BackupError::io(archive.display().to_string()))?;
        let target = self.path(name);
        let upload = self
            .store
            .put_multipart(&target)
            .await
            .map_err(failed("starting the upload"))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buffer = vec![0; 1 << 20];
        let mut sent: u64 = 0;
        loop {
            let read = match file.read(&mut buffer).await {
                Ok(read) => read,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(BackupError::io(archive.display().to_string())(e));
                }
            };
            if read == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(failed("uploading")(e));
            }
            writer.write(&buffer[..read]);
            sent += read as u64;
        }
        writer
            .finish()
            .await
            .map_err(failed("finishing the upload"))?;
        let manifest_path = Manifest::path_of(&archive);
        let manifest = tokio::fs::read(&manifest_path)
            .await
            .map_err(BackupError::io(manifest_path.display().to_string()))?;
        self.store
            .put(
                &self.path(&format!("{name}.manifest.json")),
                PutPayload::from(manifest),
            )
            .await
            .map_err(failed("uploading the manifest"))?;
        let stored = self
            .store
            .head(&target)
            .await
            .map_err(failed("checking the upload"))?;
        if stored.size != sent {
            return Err(BackupError::Offsite {
                what: "checking the upload".into(),
                detail: format!("{} bytes stored of {sent}", stored.size),
            });
        }
        Ok(())
    }

    /// Deletes the copy of `name` (manifest first); one already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), BackupError> {
        for path in [self.path(&format!("{name}.manifest.json")), self.path(name)] {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(failed("deleting an old copy")(e)),
            }
        }
        Ok(())
    }
}
