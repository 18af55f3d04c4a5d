//! `sladesk import`: a data set into this desk, in two readings of the file (check.rs, then
//! write.rs, with ahead.rs measuring tickets on a second thread).
//!
//! 1. **Check**: every line is read and checked (its shape, its references, its ticket's events
//!    replayed under T7, its policies read by the engine) and every problem is reported with
//!    its line. By default nothing is written when one line is bad.
//! 2. **Write**: the good lines, a batch per transaction. A ticket lands with its events, its
//!    SLA columns (derived by the same engine as a ticket filed here, at the import's moment)
//!    and its external id, or not at all. What an external id became is written in the same
//!    transaction, so a second run, or one after a kill -9, skips what is there and writes
//!    the rest: the same data, no duplicates.
//!
//! Memory holds the small kinds' ids (organisations, people, components, …), never the
//! tickets': it does not grow with the number of tickets in the file.

mod ahead;
mod check;
mod write;

use ahead::{Ahead, Measured};

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use sladesk_core::policy::Policy;

use super::super::Desk;
use super::super::sla::derive_history;
use crate::domain::accounts::{Organization, Role, User};
use crate::domain::exchange::{AuditLine, FORMAT, Line, TicketLine, VERSION};
use crate::domain::policies::PolicyVersion;
use crate::domain::tickets::TicketEvent;
use crate::exchange::replay::replay;
use crate::exchange::{ExchangeError, LineProblem, Problem, Rule, parse_line};
use crate::store::exchange as store;
use crate::store::{Conn, accounts, audit, availability, policies};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Keep the source's ticket numbers as this desk's (`SD-000123` stays 123).
    pub keep_numbers: bool,
    /// Import the good lines and write the bad ones to this file, instead of importing nothing.
    pub skip_invalid: Option<PathBuf>,
    /// Whether the tickets' secondary indexes (and on SQLite the search index) are set aside
    /// while writing and built once at the end (`store::set_aside`).
    pub set_aside: SetAside,
}

/// Whether an import sets the tickets' indexes aside while it writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SetAside {
    /// For a data set of at least [`SET_ASIDE_FROM`] tickets that at least doubles the desk:
    /// building the indexes again costs in proportion to the whole desk, and keeping them
    /// row by row in proportion to the data set.
    #[default]
    Auto,
    Always,
    Never,
}

/// The fewest tickets in a data set for which `SetAside::Auto` sets the indexes aside.
pub const SET_ASIDE_FROM: u64 = 10_000;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Objects written, by kind.
    pub written: std::collections::BTreeMap<&'static str, u64>,
    /// Objects already here from an earlier run (or, for people, by their address).
    pub already: std::collections::BTreeMap<&'static str, u64>,
    pub events: u64,
    /// Lines refused (with `skip_invalid`), each reported.
    pub refused: Vec<LineProblem>,
}

/// Where an import is, for a progress bar: the phase and the bytes of the file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Checking,
    Writing,
    /// Building the indexes set aside (a large import).
    Indexing,
}

/// Lines a transaction holds. SQLite rewrites the index pages a transaction touched at its
/// commit, so fewer and larger ones write less. On PostgreSQL every statement of new tickets
/// updates the same few rows of the report tallies (0024), and each update in one
/// transaction lengthens the chain of row versions the next must walk: a shorter transaction
/// keeps those chains short (measured: 500 and 2,000 lines take the same time).
fn batch_size(dialect: crate::store::Dialect) -> usize {
    match dialect {
        crate::store::Dialect::Sqlite => 5_000,
        crate::store::Dialect::Postgres => 500,
    }
}

/// The kinds whose ids are kept in memory while importing (few in number).
const SMALL: [&str; 7] = crate::domain::exchange::SMALL_KINDS;

impl Desk {
    /// Imports the data set in `path`. Bad lines are reported, with their numbers, in the
    /// error (`ExchangeError::Invalid` after `report` heard each) or in the summary.
    pub async fn import(
        &self,
        path: &Path,
        options: &ImportOptions,
        report: &mut dyn FnMut(&LineProblem),
        progress: &dyn Fn(Phase, u64),
    ) -> Result<ImportSummary, ExchangeError> {
        let mut run = Run::new(self, options).await?;
        let bad = run.check(path, report, progress).await?;
        if !bad.is_empty() {
            match &options.skip_invalid {
                None => {
                    return Err(ExchangeError::Invalid {
                        count: bad.len() as u64,
                    });
                }
                Some(refused) => write_refused(path, &bad, refused)?,
            }
        }
        let set_aside = run.set_aside().await?;
        let written = run.write(path, &bad, progress).await;
        // Made again whether the writes ended well or not; after a kill -9 the next
        // `Store::open` does it.
        if set_aside {
            progress(Phase::Indexing, u64::MAX);
            crate::store::set_aside::restore(&self.store).await?;
        }
        written?;
        let mut summary = run.summary;
        summary.refused = bad.into_values().collect();
        let mut tx = self.store.write().await?;
        audit::record(
            &mut tx,
            self.clock.now().as_second(),
            None,
            None,
            "exchange.import",
            "desk",
            &serde_json::json!({
                "written": summary.written,
                "already": summary.already,
                "refused": summary.refused.len(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> ExchangeError + '_ {
    move |source| ExchangeError::Io {
        what: what.to_string(),
        source,
    }
}

/// Reads the file line by line: the line's number, its text, and the bytes read so far.
fn lines(
    path: &Path,
) -> Result<impl Iterator<Item = (u64, std::io::Result<String>, u64)> + use<>, ExchangeError> {
    let file = std::fs::File::open(path).map_err(io("opening the data set"))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut number = 0u64;
    let mut read = 0u64;
    Ok(std::iter::from_fn(move || {
        let mut text = String::new();
        match reader.read_line(&mut text) {
            Ok(0) => None,
            Ok(n) => {
                number += 1;
                read += n as u64;
                let trimmed = text.trim_end_matches(['\n', '\r']).len();
                text.truncate(trimmed);
                Some((number, Ok(text), read))
            }
            Err(e) => {
                number += 1;
                Some((number, Err(e), read))
            }
        }
    }))
}

fn write_refused(
    path: &Path,
    bad: &std::collections::BTreeMap<u64, LineProblem>,
    refused: &Path,
) -> Result<(), ExchangeError> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(refused).map_err(io("writing the refused lines"))?,
    );
    for (number, text, _) in lines(path)? {
        if bad.contains_key(&number) {
            let text = text.unwrap_or_default();
            writeln!(out, "{text}").map_err(io("writing the refused lines"))?;
        }
    }
    out.flush().map_err(io("writing the refused lines"))
}

/// The version that measures a ticket: the one it names, else the one in force when it was
/// filed (the first for a ticket from before every version).
fn version_for<'v>(
    versions: &'v [PolicyVersion],
    t: &TicketLine,
) -> Result<&'v PolicyVersion, Problem> {
    match &t.policy_version {
        Some(name) => {
            versions
                .iter()
                .find(|v| &v.version == name)
                .ok_or_else(|| Problem::UnknownReference {
                    field: "policy_version".into(),
                    id: name.clone(),
                })
        }
        None => {
            let filed = t.created_at.as_second();
            versions
                .iter()
                .rev()
                .find(|v| v.effective_at <= filed)
                .or(versions.first())
                .ok_or_else(|| Problem::UnknownReference {
                    field: "policy_version".into(),
                    id: String::new(),
                })
        }
    }
}
/// One import under way.
struct Run<'d> {
    desk: &'d Desk,
    options: ImportOptions,
    now: Timestamp,
    /// External id → id here, of the small kinds (`SMALL`), as the check and the writes learn
    /// them (the check only needs to know they exist: it gives 0).
    ids: HashMap<&'static str, HashMap<String, i64>>,
    /// The SLA versions here and in the file, earliest first, to measure a ticket that names
    /// none by the one in force when it was filed.
    versions: Vec<PolicyVersion>,
    /// A contract's own policy, by organisation here.
    contracts: HashMap<i64, Option<String>>,
    /// People by address, to find the ones this desk has already.
    emails: HashMap<String, String>,
    summary: ImportSummary,
    /// Batches written: the planner's statistics are refreshed after the 1st, 2nd, 4th, ….
    batches: u64,
    /// The reader's shared view, told of every organisation, person and version written.
    ahead: Option<Ahead>,
    /// Ticket lines the check found good.
    tickets_checked: u64,
}

impl<'d> Run<'d> {
    async fn new(desk: &'d Desk, options: &ImportOptions) -> Result<Run<'d>, ExchangeError> {
        let mut conn = desk.store.read().await?;
        let mut ids = HashMap::new();
        for kind in SMALL {
            let known = store::external_ids_of(&mut conn, kind).await?;
            ids.insert(
                kind,
                known
                    .into_iter()
                    .map(|(local, external)| (external, local))
                    .collect(),
            );
        }
        let versions = policies::versions(&mut conn).await?;
        Ok(Run {
            desk,
            options: options.clone(),
            now: desk.clock.now(),
            ids,
            versions,
            contracts: HashMap::new(),
            emails: HashMap::new(),
            summary: ImportSummary::default(),
            batches: 0,
            ahead: None,
            tickets_checked: 0,
        })
    }

    /// Sets the tickets' indexes aside if the options and the data set's size say so. Whether
    /// it did.
    async fn set_aside(&self) -> Result<bool, ExchangeError> {
        let store = &self.desk.store;
        let wanted = match self.options.set_aside {
            SetAside::Never => false,
            SetAside::Always => true,
            SetAside::Auto => {
                let mut conn = store.read().await?;
                let here = crate::store::tickets::count_tickets(&mut conn).await?;
                self.tickets_checked >= SET_ASIDE_FROM
                    && self.tickets_checked >= u64::try_from(here).unwrap_or(0)
            }
        };
        if wanted {
            crate::store::set_aside::set_aside(store, self.now.as_second()).await?;
        }
        Ok(wanted)
    }

    fn known(&self, kind: &'static str, id: &str) -> Option<i64> {
        self.ids.get(kind).and_then(|ids| ids.get(id)).copied()
    }

    fn reference(&self, kind: &'static str, field: &str, id: &str) -> Result<i64, Problem> {
        self.known(kind, id)
            .ok_or_else(|| Problem::UnknownReference {
                field: field.to_string(),
                id: id.to_string(),
            })
    }

    fn optional(
        &self,
        kind: &'static str,
        field: &str,
        id: &Option<String>,
    ) -> Result<Option<i64>, Problem> {
        id.as_deref()
            .map(|id| self.reference(kind, field, id))
            .transpose()
    }

    /// The version that measures a ticket: the one it names, else the one in force when it
    /// was filed (the first for a ticket from before every version).
    fn version_of_ticket(&self, t: &TicketLine) -> Result<&PolicyVersion, Problem> {
        version_for(&self.versions, t)
    }
}

fn is_outage_ticket(ticket: &TicketLine) -> bool {
    ticket.events.first().is_some_and(|e| {
        matches!(
            e.change(),
            Ok(crate::domain::exchange::EventChange::Created {
                priority: sladesk_core::tickets::Priority::SaasOutage,
                ..
            })
        )
    })
}

fn kind_of(line: &Line) -> &'static str {
    line.kind()
}

fn version_of(v: &crate::domain::exchange::PolicyVersionLine) -> PolicyVersion {
    PolicyVersion {
        version: v.id.clone(),
        policy: v.policy.clone(),
        summary_en: v.summary_en.clone(),
        summary_nl: v.summary_nl.clone(),
        effective_at: v.effective_at.as_second(),
        material: v.material,
        published_by: None,
        published_at: v.published_at.as_second(),
    }
}

/// The number a ticket keeps with `--keep-numbers`: the digits of `SD-000123`, `#84512` or
/// `84512` (a positive whole number).
fn kept_number(ticket: &TicketLine) -> Option<i64> {
    let number = ticket.number.as_deref()?;
    let digits: String = number
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .to_string();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n: &i64| *n > 0)
}
