//! Random secrets (tokens, links, salts, CSRF values), made in one place from the operating
//! system's random source. If that source fails, the request fails as a server fault: a
//! secret is never made of zeros or of anything guessable.

/// The random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the system's random source failed: {0}")]
pub struct NoRandomness(String);

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], NoRandomness> {
    let mut buffer = [0u8; N];
    getrandom::fill(&mut buffer).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(buffer)
}

/// `N` random bytes as lowercase hex (`2 N` characters).
pub fn hex<const N: usize>() -> Result<String, NoRandomness> {
    Ok(hex::encode(bytes::<N>()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_differ_and_have_their_length() {
        let a = super::hex::<16>().unwrap();
        let b = super::hex::<16>().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
