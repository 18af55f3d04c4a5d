//! An archive: a snapshot compressed with zstd and encrypted with age, in one stream, with the
//! SHA-256 of the bytes written. Opening checks nothing but the key; the checksum is tested
//! against the manifest first ([`checksum_of`]), so that a damaged file is named as such.

use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::BackupError;

/// zstd's level 3: its default, a good ratio at hundreds of MB/s on one core.
const LEVEL: i32 = 3;

/// What was written: its size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub size: u64,
    pub sha256: String,
}

/// Compresses and encrypts `plain` to `recipients` into `out`.
pub fn seal(
    mut plain: impl Read,
    recipients: &[&dyn age::Recipient],
    out: impl Write,
) -> Result<Sealed, BackupError> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())
        .map_err(|e| BackupError::Keys(e.to_string()))?;
    let mut hashing = Hashing::new(out);
    let encrypted = encryptor
        .wrap_output(&mut hashing)
        .map_err(BackupError::io("writing the archive"))?;
    let mut compressed =
        zstd::Encoder::new(encrypted, LEVEL).map_err(BackupError::io("compressing"))?;
    io::copy(&mut plain, &mut compressed).map_err(BackupError::io("writing the archive"))?;
    compressed
        .finish()
        .and_then(|encrypted| encrypted.finish())
        .map_err(BackupError::io("writing the archive"))?;
    hashing
        .flush()
        .map_err(BackupError::io("writing the archive"))?;
    Ok(hashing.sealed())
}

/// The plain snapshot inside the archive `sealed`, readable with one of `identities`.
pub fn open<'a, R: Read + 'a>(
    sealed: R,
    identities: &[&dyn age::Identity],
) -> Result<impl Read + 'a, BackupError> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(sealed)).map_err(decrypt_error)?;
    let plain = decryptor
        .decrypt(identities.iter().copied())
        .map_err(decrypt_error)?;
    let decoder = zstd::Decoder::new(plain).map_err(BackupError::io("decompressing"))?;
    Ok(Damaged(decoder))
}

fn decrypt_error(error: age::DecryptError) -> BackupError {
    match error {
        age::DecryptError::NoMatchingKeys => BackupError::WrongKey,
        age::DecryptError::Io(e) => BackupError::Damaged(e.to_string()),
        other => BackupError::Damaged(other.to_string()),
    }
}

/// Reads that fail mid-stream (a truncated or altered archive: age's authentication or zstd's
/// frame checks) are the archive's damage, not the machine's.
struct Damaged<R>(R);

impl<R: Read> Read for Damaged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData || e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(io::ErrorKind::InvalidData, format!("damaged archive: {e}"))
            } else {
                e
            }
        })
    }
}

/// The size and SHA-256 of the file at `path`.
pub fn checksum_of(path: &Path) -> Result<Sealed, BackupError> {
    let file = std::fs::File::open(path).map_err(BackupError::io(path.display().to_string()))?;
    let mut hashing = Hashing::new(io::sink());
    io::copy(&mut BufReader::with_capacity(1 << 20, file), &mut hashing)
        .map_err(BackupError::io(path.display().to_string()))?;
    Ok(hashing.sealed())
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn sealed(self) -> Sealed {
        Sealed {
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip_identity() -> age::x25519::Identity {
        age::x25519::Identity::generate()
    }

    #[test]
    fn what_is_sealed_opens_with_either_key_and_not_with_a_third() {
        let vendor = roundtrip_identity();
        let one_time = roundtrip_identity();
        let plain: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let mut out = Vec::new();
        let sealed = seal(
            &plain[..],
            &[&vendor.to_public(), &one_time.to_public()],
            &mut out,
        )
        .unwrap();
        assert_eq!(sealed.size, out.len() as u64);
        assert_eq!(sealed.sha256, hex::encode(Sha256::digest(&out)));
        assert!(
            out.len() < plain.len() / 4,
            "compressed: {} bytes",
            out.len()
        );
        for key in [&vendor, &one_time] {
            let mut back = Vec::new();
            open(&out[..], &[key as &dyn age::Identity])
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, plain);
        }
        let stranger = roundtrip_identity();
        assert!(matches!(
            open(&out[..], &[&stranger as &dyn age::Identity]).map(|_| ()),
            Err(BackupError::WrongKey)
        ));
    }

    #[test]
    fn a_truncated_or_altered_archive_fails_to_read_as_damaged() {
        let key = roundtrip_identity();
        let plain: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut out = Vec::new();
        seal(&plain[..], &[&key.to_public()], &mut out).unwrap();
        let truncated = &out[..out.len() / 2];
        let mut back = Vec::new();
        let read = open(truncated, &[&key as &dyn age::Identity])
            .and_then(|mut r| r.read_to_end(&mut back).map_err(BackupError::io("reading")));
        assert!(read.is_err(), "a truncated archive read to the end");
        let mut altered = out.clone();
        let middle = altered.len() / 2;
        altered[middle] ^= 0x40;
        let mut back = Vec::new();
        let read = open(&altered[..], &[&key as &dyn age::Identity])
            .and_then(|mut r| r.read_to_end(&mut back).map_err(BackupError::io("reading")));
        assert!(read.is_err(), "an altered archive read to the end");
    }
}
