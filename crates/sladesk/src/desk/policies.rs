//! The SLA policies: the built-in policy with the server's policy file over it (the first
//! version), the stored versions of the vendor's SLA (G3), and per contract (G2) the
//! organisation's own policy over a version. Each is built once per distinct text; versions
//! never change once stored, so a parsed one is kept for good (on every replica alike).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sladesk_core::policy::{Policy, PolicyError};

#[derive(Debug)]
pub struct Policies {
    /// The server's policy file, if any.
    server_overlay: Option<String>,
    base: Arc<Policy>,
    by_contract: Mutex<HashMap<String, Arc<Policy>>>,
    /// Parsed versions with a contract over them: (version, contract text) → policy.
    by_version: Mutex<HashMap<(String, String), Arc<Policy>>>,
}

impl Policies {
    pub fn new(server_overlay: Option<String>) -> Result<Policies, PolicyError> {
        let overlays: Vec<&str> = server_overlay.iter().map(String::as_str).collect();
        let base = Arc::new(Policy::with_overlays(&overlays)?);
        Ok(Policies {
            server_overlay,
            base,
            by_contract: Mutex::new(HashMap::new()),
            by_version: Mutex::new(HashMap::new()),
        })
    }

    /// The policy without any contract.
    pub fn base(&self) -> Arc<Policy> {
        self.base.clone()
    }

    /// The policy for a contract whose own policy text is `contract` (none: the base policy).
    pub fn for_contract(&self, contract: Option<&str>) -> Result<Arc<Policy>, PolicyError> {
        let Some(text) = contract.filter(|t| !t.trim().is_empty()) else {
            return Ok(self.base.clone());
        };
        if let Some(policy) = self
            .by_contract
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return Ok(policy.clone());
        }
        let mut overlays: Vec<&str> = self.server_overlay.iter().map(String::as_str).collect();
        overlays.push(text);
        let policy = Arc::new(Policy::with_overlays(&overlays)?);
        self.by_contract
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_string(), policy.clone());
        Ok(policy)
    }

    /// The policy of a stored version (its whole TOML), with a contract's own policy over it.
    pub fn for_version(
        &self,
        version: &crate::domain::policies::PolicyVersion,
        contract: Option<&str>,
    ) -> Result<Arc<Policy>, PolicyError> {
        let contract = contract
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_default();
        let key = (version.version.clone(), contract.to_string());
        if let Some(policy) = self
            .by_version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(policy.clone());
        }
        let policy = Arc::new(Policy::with_overlays(&[&version.policy, contract])?);
        self.by_version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, policy.clone());
        Ok(policy)
    }

    /// A version already parsed with this contract over it, if any.
    pub fn cached(&self, version: &str, contract: Option<&str>) -> Option<Arc<Policy>> {
        let contract = contract
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_default();
        self.by_version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(version.to_string(), contract.to_string()))
            .cloned()
    }
}
