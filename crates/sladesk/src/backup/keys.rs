//! The keys of the backups: archives are encrypted to age recipients (public keys), so that a
//! server that is stolen, or whose backups are, cannot read old backups; only the holder of a
//! private key (an identity) restores them.
//!
//! Verification opens every new archive without the vendor's private key: each archive is also
//! encrypted to a one-time key made for it and dropped, in memory only, once the archive was
//! opened and checked. That key never reaches a disk, so afterwards only the vendor's keys open
//! the archive, and yet what was verified is the very file that is kept.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;

use super::BackupError;

/// Recipients from their `age1…` texts.
pub fn recipients(texts: &[String]) -> Result<Vec<age::x25519::Recipient>, BackupError> {
    texts
        .iter()
        .map(|text| {
            age::x25519::Recipient::from_str(text.trim()).map_err(|e| {
                BackupError::Keys(format!(
                    "`{}` is not an age recipient (age1…): {e}",
                    text.trim()
                ))
            })
        })
        .collect()
}

/// The identities (private keys) of an identity file as `age-keygen` writes it: `AGE-SECRET-
/// KEY-1…` lines, `#` comments.
pub fn identities_from_file(path: &Path) -> Result<Vec<age::x25519::Identity>, BackupError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        BackupError::Keys(format!(
            "the key file {} cannot be read: {e}",
            path.display()
        ))
    })?;
    let identities: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            age::x25519::Identity::from_str(line).map_err(|_| {
                BackupError::Keys(format!(
                    "{} holds a line that is not an age key (AGE-SECRET-KEY-1…)",
                    path.display()
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if identities.is_empty() {
        return Err(BackupError::Keys(format!(
            "{} holds no age key (AGE-SECRET-KEY-1…)",
            path.display()
        )));
    }
    Ok(identities)
}

/// Makes a key pair in `path` (readable by its owner only) and returns its recipient. For the
/// embedded desk started without configuration, so that backups are encrypted from the first
/// day; the staff page says, as long as the file is there, to move it somewhere safe.
pub fn generate_into(path: &Path, now: jiff::Timestamp) -> Result<String, BackupError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(BackupError::io(parent.display().to_string()))?;
    }
    let text = format!(
        "# sladesk backup key, made {}\n# public key: {recipient}\n# Keep this file away from the server: whoever holds it reads every backup.\n{}\n",
        now,
        identity.to_string().expose_secret()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(BackupError::io(path.display().to_string()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(BackupError::io(path.display().to_string()))?;
    Ok(recipient)
}

/// The recipient of the key in the identity file at `path`.
pub fn recipient_of_file(path: &Path) -> Result<String, BackupError> {
    let identities = identities_from_file(path)?;
    Ok(identities[0].to_public().to_string())
}

/// A one-time key for verifying one archive (see the module's comment).
pub fn one_time() -> age::x25519::Identity {
    age::x25519::Identity::generate()
}
