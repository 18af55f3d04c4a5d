//! The SLA policies in force: the built-in policy with the server's policy file over it, and
//! per contract (G2) the organisation's own policy over that. Built once per distinct text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sladesk_core::policy::{Policy, PolicyError};

#[derive(Debug)]
pub struct Policies {
    /// The server's policy file, if any.
    server_overlay: Option<String>,
    base: Arc<Policy>,
    by_contract: Mutex<HashMap<String, Arc<Policy>>>,
}

impl Policies {
    pub fn new(server_overlay: Option<String>) -> Result<Policies, PolicyError> {
        let overlays: Vec<&str> = server_overlay.iter().map(String::as_str).collect();
        let base = Arc::new(Policy::with_overlays(&overlays)?);
        Ok(Policies {
            server_overlay,
            base,
            by_contract: Mutex::new(HashMap::new()),
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
}
