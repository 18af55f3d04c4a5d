//! Tickets replayed and measured ahead of the writes, on the reader's thread.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::super::super::sla::derive_history;
use crate::domain::exchange::TicketLine;
use crate::domain::policies::PolicyVersion;
use crate::domain::tickets::TicketEvent;
use crate::exchange::replay::replay;

use super::version_for;

/// What the reader's thread needs to replay and measure tickets ahead of the writes, on the
/// second core: the organisations and people known so far (by external id), their contracts'
/// own policies, the SLA versions. A ticket that names something not known yet is left to
/// the writer, which measures it itself once the batch before has landed.
#[derive(Clone)]
pub(super) struct Ahead {
    pub(super) known: Arc<std::sync::RwLock<HashMap<&'static str, HashMap<String, i64>>>>,
    pub(super) contracts: Arc<std::sync::RwLock<HashMap<i64, Option<String>>>>,
    pub(super) versions: Arc<std::sync::RwLock<Vec<PolicyVersion>>>,
    pub(super) policies: Arc<crate::desk::Policies>,
    pub(super) now: Timestamp,
}

/// A ticket replayed and measured ahead: its row and events (ids not given yet) and the alerts
/// of its past.
pub(super) struct Measured {
    pub(super) ticket: crate::domain::tickets::Ticket,
    pub(super) events: Vec<TicketEvent>,
    pub(super) past: Vec<String>,
}

impl Ahead {
    pub(super) fn learn(&self, kind: &'static str, external: &str, local: i64) {
        if kind == "organization" || kind == "person" {
            let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
            known
                .entry(kind)
                .or_default()
                .insert(external.to_string(), local);
        }
    }

    /// The ticket replayed and measured, if everything it names is known; else the writer
    /// does it (and reports what is wrong).
    pub(super) fn measure(&self, line: &TicketLine) -> Option<Measured> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        let id = |kind: &'static str, id: &str| known.get(kind).and_then(|k| k.get(id)).copied();
        let organization = id("organization", &line.organization)?;
        let requester = id("person", &line.requester)?;
        let contract = self
            .contracts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&organization)?
            .clone();
        // The version's name and its policy (cached by the desk), not a copy of its text.
        let (version, policy) = {
            let versions = self.versions.read().unwrap_or_else(|e| e.into_inner());
            let version = version_for(&versions, line).ok()?;
            let policy = self
                .policies
                .for_version(version, contract.as_deref())
                .ok()?;
            (version.version.clone(), policy)
        };
        let people = |external: &str| id("person", external);
        let mut replayed = replay(line, organization, requester, &version, &people).ok()?;
        drop(known);
        let past =
            derive_history(&policy, &mut replayed.ticket, &replayed.events, self.now).ok()?;
        Some(Measured {
            ticket: replayed.ticket,
            events: replayed.events,
            past,
        })
    }
}
