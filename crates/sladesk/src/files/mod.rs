//! The file store: the bytes of tickets' files and of quarantined mails, named by their
//! SHA-256, in the data folder (`files/`) or in S3-compatible object storage, both through
//! `object_store`. The same bytes are kept once. A file is written before the row that points
//! at it, so a crash leaves at most an orphan file, which the sweep removes once it is older
//! than a grace period; every write renews a file's time, so a file just written again for a
//! new row is never swept from under it.

mod sniff;

pub use sniff::{media_type, safe_to_show_inline};

use std::sync::Arc;

use futures_util::TryStreamExt;
use jiff::Timestamp;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::config::{Config, OffsiteConfig};

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("the file store is not usable: {0}")]
    Setup(String),
    #[error("file {0} is not in the file store")]
    Missing(String),
    #[error("the file store failed: {0}")]
    Failed(#[from] object_store::Error),
}

#[derive(Debug, Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// Where the files are, for logs and the staff page.
    pub shown: String,
}

/// A SHA-256 in hex: the only names the store knows.
fn is_digest(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn path_of(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("{}/{}", &sha256[..2], &sha256[2..]))
}

impl Files {
    /// The store `config.files` names: a folder of the data folder by default.
    pub fn from_config(config: &Config) -> Result<Files, FilesError> {
        if config.files.storage.url.is_empty() {
            let dir = config
                .files
                .folder
                .clone()
                .unwrap_or_else(|| config.data_dir.join("files"));
            return Files::local(&dir);
        }
        let (bucket, prefix) =
            s3_bucket(&config.files.storage, "files.storage").map_err(FilesError::Setup)?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(PrefixStore::new(bucket, prefix.as_str()))
        };
        Ok(Files {
            store,
            shown: config.files.storage.url.clone(),
        })
    }

    /// Files in memory only: a desk made without a configuration (serve always gives one).
    pub fn in_memory() -> Files {
        Files {
            store: Arc::new(object_store::memory::InMemory::new()),
            shown: "memory".into(),
        }
    }

    /// Files in a folder of this machine (made if absent).
    pub fn local(dir: &std::path::Path) -> Result<Files, FilesError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| FilesError::Setup(format!("{}: {e}", dir.display())))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| FilesError::Setup(format!("{}: {e}", dir.display())))?
            .with_automatic_cleanup(true);
        Ok(Files {
            store: Arc::new(store),
            shown: dir.display().to_string(),
        })
    }

    /// Keeps `bytes` and returns their SHA-256. Written whole or not at all (object_store
    /// writes a temporary file and renames it; S3 puts are atomic).
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, FilesError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        self.store
            .put(&path_of(&sha256), PutPayload::from(bytes))
            .await?;
        Ok(sha256)
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, FilesError> {
        if !is_digest(sha256) {
            return Err(FilesError::Missing(sha256.into()));
        }
        match self.store.get(&path_of(sha256)).await {
            Ok(found) => Ok(found.bytes().await?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(FilesError::Missing(sha256.into())),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete(&self, sha256: &str) -> Result<(), FilesError> {
        match self.store.delete(&path_of(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The files last written before `before`: the candidates of the orphan sweep.
    pub async fn written_before(&self, before: Timestamp) -> Result<Vec<String>, FilesError> {
        let listed: Vec<_> = self.store.list(None).try_collect().await?;
        Ok(listed
            .into_iter()
            .filter(|meta| meta.last_modified.timestamp() < before.as_second())
            .map(|meta| {
                meta.location
                    .parts()
                    .map(|p| p.as_ref().to_string())
                    .collect::<String>()
            })
            .filter(|name| is_digest(name))
            .collect())
    }
}

/// An S3-compatible bucket (with its prefix) as `settings` name it; `key` names the settings
/// in errors (`backup.offsite`, `files.storage`).
pub fn s3_bucket(settings: &OffsiteConfig, key: &str) -> Result<(AmazonS3, String), String> {
    let rest = settings
        .url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("{key}.url `{}` is not s3://bucket/prefix", settings.url))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("{key}.url `{}` names no bucket", settings.url));
    }
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&settings.region)
        .with_access_key_id(&settings.access_key_id)
        .with_secret_access_key(&settings.secret_access_key)
        .with_allow_http(settings.allow_http);
    if !settings.endpoint.is_empty() {
        builder = builder.with_endpoint(&settings.endpoint);
    }
    let bucket = builder.build().map_err(|e| format!("{key}: {e}"))?;
    Ok((bucket, prefix.trim_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_kept_once_under_their_digest() {
        let dir = std::env::temp_dir().join(format!("sladesk-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = Files::local(&dir).unwrap();
        let a = files.put(b"hello".to_vec()).await.unwrap();
        let b = files.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(files.get(&a).await.unwrap(), b"hello");
        let later = Timestamp::now() + jiff::SignedDuration::from_secs(60);
        assert_eq!(files.written_before(later).await.unwrap(), vec![a.clone()]);
        assert!(
            files
                .written_before(Timestamp::UNIX_EPOCH)
                .await
                .unwrap()
                .is_empty()
        );
        files.delete(&a).await.unwrap();
        assert!(matches!(files.get(&a).await, Err(FilesError::Missing(_))));
        assert!(matches!(
            files.get("../etc/passwd").await,
            Err(FilesError::Missing(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
