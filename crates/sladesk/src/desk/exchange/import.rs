//! `sladesk import`: a data set into this desk, in two readings of the file.
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
}

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

/// The kinds whose ids are kept in memory while importing (small in number).
const SMALL: [&str; 8] = [
    "organization",
    "person",
    "component",
    "monitor",
    "outage",
    "maintenance",
    "exclusion",
    "policy_version",
];

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
        run.write(path, &bad, progress).await?;
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

/// What the reader's thread needs to replay and measure tickets ahead of the writes, on the
/// second core: the organisations and people known so far (by external id), their contracts'
/// own policies, the SLA versions. A ticket that names something not known yet is left to
/// the writer, which measures it itself once the batch before has landed.
#[derive(Clone)]
struct Ahead {
    known: Arc<std::sync::RwLock<HashMap<&'static str, HashMap<String, i64>>>>,
    contracts: Arc<std::sync::RwLock<HashMap<i64, Option<String>>>>,
    versions: Arc<std::sync::RwLock<Vec<PolicyVersion>>>,
    policies: Arc<crate::desk::Policies>,
    now: Timestamp,
}

/// A ticket replayed and measured ahead: its row and events (ids not given yet) and the alerts
/// of its past.
struct Measured {
    ticket: crate::domain::tickets::Ticket,
    events: Vec<TicketEvent>,
    past: Vec<String>,
}

impl Ahead {
    fn learn(&self, kind: &'static str, external: &str, local: i64) {
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
    fn measure(&self, line: &TicketLine) -> Option<Measured> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        let id = |kind: &'static str, id: &str| known.get(kind).and_then(|k| k.get(id)).copied();
        let organization = id("organization", &line.organization)?;
        let requester = id("person", &line.requester)?;
        let version = {
            let versions = self.versions.read().unwrap_or_else(|e| e.into_inner());
            version_for(&versions, line).ok()?.clone()
        };
        let contract = self
            .contracts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&organization)?
            .clone();
        let policy = self
            .policies
            .for_version(&version, contract.as_deref())
            .ok()?;
        let people = |external: &str| id("person", external);
        let mut replayed = replay(line, organization, requester, &version.version, &people).ok()?;
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
        })
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

    /// The first reading: every line checked, each problem reported.
    async fn check(
        &mut self,
        path: &Path,
        report: &mut dyn FnMut(&LineProblem),
        progress: &dyn Fn(Phase, u64),
    ) -> Result<std::collections::BTreeMap<u64, LineProblem>, ExchangeError> {
        let mut bad = std::collections::BTreeMap::new();
        let mut conn = self.desk.store.read().await?;
        // Tickets named by outages before the check has seen them: checked at the end.
        let mut tickets_named: Vec<(u64, String)> = Vec::new();
        let mut tickets_seen_named: HashSet<String> = HashSet::new();
        // --keep-numbers: the numbers asked for, checked against the desk a chunk at a time.
        let mut numbers: Vec<(u64, i64, String)> = Vec::new();
        let mut numbers_in_file: HashSet<i64> = HashSet::new();
        let mut seen_in_file: HashSet<(&'static str, String)> = HashSet::new();
        for (number, text, read) in lines(path)? {
            if number % 4096 == 0 {
                progress(Phase::Checking, read);
            }
            let text = text.map_err(io("reading the data set"))?;
            if text.trim().is_empty() {
                continue;
            }
            let outcome = match parse_line(&text) {
                Err(problem) => Err(problem),
                Ok(line) => {
                    let result = self.check_line(number, &line, &mut seen_in_file);
                    if result.is_ok()
                        && let Line::Ticket(ticket) = &line
                    {
                        if self.options.keep_numbers {
                            if numbers.len() >= 1_000 {
                                check_numbers(&mut conn, &numbers, report, &mut bad).await?;
                                numbers.clear();
                            }
                            match kept_number(ticket) {
                                Some(kept) if numbers_in_file.insert(kept) => {
                                    numbers.push((number, kept, ticket.id.clone()))
                                }
                                _ => {
                                    let problem = LineProblem {
                                        line: number,
                                        problem: Problem::Number {
                                            number: ticket.number.clone().unwrap_or_default(),
                                        },
                                    };
                                    report(&problem);
                                    bad.insert(number, problem);
                                    continue;
                                }
                            }
                        }
                        // An outage names the 24/7 ticket it opened: only those are kept, so
                        // memory does not grow with the tickets of the file.
                        if is_outage_ticket(ticket) {
                            tickets_seen_named.insert(ticket.id.clone());
                        }
                    }
                    if result.is_ok()
                        && let Line::Outage(outage) = &line
                        && let Some(ticket) = &outage.ticket
                    {
                        tickets_named.push((number, ticket.clone()));
                    }
                    result
                }
            };
            if let Err(problem) = outcome {
                let problem = LineProblem {
                    line: number,
                    problem,
                };
                report(&problem);
                bad.insert(number, problem);
            }
        }
        progress(Phase::Checking, u64::MAX);
        // Outages name tickets that come before them in an export; a hand-made file may
        // name one imported before.
        for (number, ticket) in tickets_named {
            if tickets_seen_named.contains(&ticket) {
                continue;
            }
            let here = store::known_ids(&mut conn, "ticket", &[ticket.as_str()]).await?;
            if here.is_empty() {
                let problem = LineProblem {
                    line: number,
                    problem: Problem::UnknownReference {
                        field: "ticket".into(),
                        id: ticket,
                    },
                };
                report(&problem);
                bad.insert(number, problem);
            }
        }
        check_numbers(&mut conn, &numbers, report, &mut bad).await?;
        Ok(bad)
    }

    /// Checks one line; what it defines becomes known to the lines after it.
    fn check_line(
        &mut self,
        number: u64,
        line: &Line,
        seen: &mut HashSet<(&'static str, String)>,
    ) -> Result<(), Problem> {
        if let Some(id) = line.id()
            && !matches!(line, Line::Ticket(_) | Line::Audit(_))
            && !seen.insert((kind_of(line), id.to_string()))
        {
            return Err(Problem::Duplicate { id: id.into() });
        }
        match line {
            Line::Header(header) => {
                if number != 1 {
                    return Err(Problem::HeaderNotFirst);
                }
                if header.format != FORMAT || header.version > VERSION {
                    return Err(Problem::Version {
                        found: format!("{} {}", header.format, header.version),
                    });
                }
            }
            Line::PolicyVersion(v) => {
                let version = version_of(v);
                self.desk
                    .policies
                    .for_version(&version, None)
                    .map_err(|e| Problem::Policy {
                        detail: e.to_string(),
                    })?;
                match self.versions.iter().find(|here| here.version == v.id) {
                    Some(here) if here.policy != v.policy => {
                        return Err(Problem::VersionDiffers {
                            version: v.id.clone(),
                        });
                    }
                    Some(_) => {}
                    None => {
                        if self
                            .versions
                            .iter()
                            .any(|here| here.effective_at == version.effective_at)
                        {
                            return Err(Problem::VersionMoment {
                                at: v.effective_at.to_string(),
                            });
                        }
                        self.versions.push(version);
                        self.versions.sort_by_key(|v| v.effective_at);
                    }
                }
                self.learn("policy_version", &v.id);
            }
            Line::Organization(o) => {
                if let Some(version) = &o.policy_version
                    && !self.versions.iter().any(|v| &v.version == version)
                {
                    return Err(Problem::UnknownReference {
                        field: "policy_version".into(),
                        id: version.clone(),
                    });
                }
                if o.policy.is_some() {
                    self.desk
                        .policies
                        .for_contract(o.policy.as_deref())
                        .map_err(|e| Problem::Policy {
                            detail: e.to_string(),
                        })?;
                }
                if let Some(terms) = &o.terms {
                    terms.check().map_err(|e| Problem::Field {
                        field: "terms".into(),
                        detail: e.to_string(),
                    })?;
                }
                self.learn("organization", &o.id);
            }
            Line::Person(p) => {
                if !p.email.contains('@') || p.email.trim() != p.email {
                    return Err(Problem::Rule {
                        field: "email".into(),
                        rule: Rule::NotAnAddress,
                    });
                }
                match (&p.organization, p.role) {
                    (None, Role::Customer) => {
                        return Err(Problem::Rule {
                            field: "organization".into(),
                            rule: Rule::CustomerNeedsOrganization,
                        });
                    }
                    (Some(org), _) => {
                        self.reference("organization", "organization", org)?;
                    }
                    _ => {}
                }
                let email = p.email.to_lowercase();
                if let Some(other) = self.emails.get(&email)
                    && other != &p.id
                {
                    return Err(Problem::EmailTwice {
                        email: p.email.clone(),
                        other: other.clone(),
                    });
                }
                self.emails.insert(email, p.id.clone());
                self.learn("person", &p.id);
            }
            Line::Ticket(t) => self.check_ticket(t)?,
            Line::Audit(a) => {
                self.optional("person", "actor", &a.actor)?;
            }
            Line::Component(c) => {
                self.optional("organization", "organization", &c.organization)?;
                self.learn("component", &c.id);
            }
            Line::Monitor(m) => {
                self.reference("component", "component", &m.component)?;
                if !["http", "tcp", "heartbeat"].contains(&m.monitor_type.as_str()) {
                    return Err(Problem::Rule {
                        field: "type".into(),
                        rule: Rule::MonitorType,
                    });
                }
                self.learn("monitor", &m.id);
            }
            Line::Outage(o) => {
                self.reference("component", "component", &o.component)?;
                if o.ended_at.is_some_and(|end| end < o.started_at) {
                    return Err(Problem::EndsBeforeStart {
                        field: "ended_at".into(),
                    });
                }
                for (index, update) in o.updates.iter().enumerate() {
                    self.optional(
                        "person",
                        &format!("updates[{index}].author"),
                        &update.author,
                    )?;
                }
                self.learn("outage", &o.id);
            }
            Line::Maintenance(m) => {
                self.reference("component", "component", &m.component)?;
                self.optional("person", "created_by", &m.created_by)?;
                if m.ends_at <= m.starts_at {
                    return Err(Problem::EndsBeforeStart {
                        field: "ends_at".into(),
                    });
                }
                self.learn("maintenance", &m.id);
            }
            Line::Exclusion(e) => {
                self.reference("component", "component", &e.component)?;
                self.optional("person", "created_by", &e.created_by)?;
                if e.ends_at <= e.starts_at {
                    return Err(Problem::EndsBeforeStart {
                        field: "ends_at".into(),
                    });
                }
                self.learn("exclusion", &e.id);
            }
        }
        Ok(())
    }

    fn learn(&mut self, kind: &'static str, id: &str) {
        self.ids
            .entry(kind)
            .or_default()
            .entry(id.to_string())
            .or_insert(0);
    }

    fn check_ticket(&self, t: &TicketLine) -> Result<(), Problem> {
        self.reference("organization", "organization", &t.organization)?;
        self.reference("person", "requester", &t.requester)?;
        let version = self.version_of_ticket(t)?;
        let people = |id: &str| self.known("person", id);
        replay(t, 0, 0, &version.version, &people)?;
        Ok(())
    }

    /// The version that measures a ticket: the one it names, else the one in force when it
    /// was filed (the first for a ticket from before every version).
    fn version_of_ticket(&self, t: &TicketLine) -> Result<&PolicyVersion, Problem> {
        version_for(&self.versions, t)
    }

    /// The second reading: the good lines written, a batch per transaction.
    async fn write(
        &mut self,
        path: &Path,
        bad: &std::collections::BTreeMap<u64, LineProblem>,
        progress: &dyn Fn(Phase, u64),
    ) -> Result<(), ExchangeError> {
        // What the check learnt were placeholders: the writes learn the ids here again.
        let mut conn = self.desk.store.read().await?;
        for kind in SMALL {
            let known = store::external_ids_of(&mut conn, kind).await?;
            self.ids.insert(
                kind,
                known
                    .into_iter()
                    .map(|(local, external)| (external, local))
                    .collect(),
            );
        }
        self.versions = policies::versions(&mut conn).await?;
        let ahead = Ahead {
            known: Arc::new(std::sync::RwLock::new(
                ["organization", "person"]
                    .into_iter()
                    .map(|kind| (kind, self.ids.get(kind).cloned().unwrap_or_default()))
                    .collect(),
            )),
            contracts: Arc::new(std::sync::RwLock::new(store::contracts(&mut conn).await?)),
            versions: Arc::new(std::sync::RwLock::new(self.versions.clone())),
            policies: self.desk.policies.clone(),
            now: self.now,
        };
        self.ahead = Some(ahead.clone());
        drop(conn);
        // Reading, parsing, replaying and measuring the tickets is a thread of its own, a few
        // batches ahead, so that it runs beside the writes on a second core.
        let (sender, mut batches) = tokio::sync::mpsc::channel(2);
        let lines = lines(path)?;
        let skip: HashSet<u64> = bad.keys().copied().collect();
        let size = batch_size(self.desk.store.dialect);
        let reader = std::thread::spawn(move || read_batches(lines, skip, size, &ahead, sender));
        while let Some(batch) = batches.recv().await {
            let (batch, read) = batch?;
            self.flush(batch).await?;
            progress(Phase::Writing, read);
        }
        drop(batches);
        let _ = reader.join();
        progress(Phase::Writing, u64::MAX);
        Ok(())
    }

    /// Writes a batch in one transaction: tickets many to a statement, the rest one by one.
    async fn flush(&mut self, batch: Vec<Item>) -> Result<(), ExchangeError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.desk.store.write().await?;
        let mut learnt: Vec<(&'static str, String, i64)> = Vec::new();
        let mut counts: Vec<(&'static str, bool)> = Vec::new();
        let mut events = 0u64;
        let mut tickets: Vec<(u64, TicketLine, Option<Measured>)> = Vec::new();
        let mut audits: Vec<AuditLine> = Vec::new();
        for (number, line, measured) in batch {
            match line {
                Line::Ticket(ticket) => {
                    self.write_audits(&mut tx, std::mem::take(&mut audits), &mut counts)
                        .await?;
                    tickets.push((number, *ticket, measured));
                }
                Line::Audit(entry) => {
                    events += self
                        .write_tickets(&mut tx, std::mem::take(&mut tickets), &mut counts)
                        .await?;
                    audits.push(entry);
                }
                line => {
                    events += self
                        .write_tickets(&mut tx, std::mem::take(&mut tickets), &mut counts)
                        .await?;
                    self.write_audits(&mut tx, std::mem::take(&mut audits), &mut counts)
                        .await?;
                    self.write_one(&mut tx, number, line, &mut learnt, &mut counts)
                        .await?;
                }
            }
        }
        events += self.write_tickets(&mut tx, tickets, &mut counts).await?;
        self.write_audits(&mut tx, audits, &mut counts).await?;
        tx.commit().await?;
        self.batches += 1;
        if self.batches.is_power_of_two() {
            let mut conn = self.desk.store.read().await?;
            store::refresh_statistics(&mut conn, self.desk.store.dialect).await?;
        }
        // Only now are they here for good.
        for (kind, external, local) in learnt {
            self.ids.entry(kind).or_default().insert(external, local);
        }
        for (kind, written) in counts {
            let tally = if written {
                &mut self.summary.written
            } else {
                &mut self.summary.already
            };
            *tally.entry(kind).or_default() += 1;
        }
        self.summary.events += events;
        Ok(())
    }

    /// A known id here: learnt in this run's earlier batches, in this batch, or from the desk.
    fn here(
        &self,
        learnt: &[(&'static str, String, i64)],
        kind: &'static str,
        id: &str,
    ) -> Option<i64> {
        self.known(kind, id).or_else(|| {
            learnt
                .iter()
                .rev()
                .find(|(k, external, _)| *k == kind && external == id)
                .map(|(_, _, local)| *local)
        })
    }

    async fn write_one(
        &mut self,
        tx: &mut Conn,
        number: u64,
        line: Line,
        learnt: &mut Vec<(&'static str, String, i64)>,
        counts: &mut Vec<(&'static str, bool)>,
    ) -> Result<(), ExchangeError> {
        let kind = kind_of(&line);
        let Some(id) = line.id().map(str::to_string) else {
            return Ok(());
        };
        let already = match kind {
            "policy_version" => policies::version_by_id(tx, &id).await?.is_some(),
            _ => self.here(learnt, kind, &id).is_some(),
        };
        if already {
            counts.push((kind, false));
            return Ok(());
        }
        let refused = |problem: Problem| {
            ExchangeError::Refused(LineProblem {
                line: number,
                problem,
            })
        };
        let person = |learnt: &[(&'static str, String, i64)], id: &Option<String>| {
            id.as_deref().and_then(|id| self.here(learnt, "person", id))
        };
        let local = match &line {
            Line::Header(_) => return Ok(()),
            Line::PolicyVersion(v) => {
                policies::insert_version(tx, &version_of(v)).await?;
                self.versions.push(version_of(v));
                self.versions.sort_by_key(|v| v.effective_at);
                0
            }
            Line::Organization(o) => {
                let org = Organization {
                    id: 0,
                    name: o.name.clone(),
                    tier: o.tier,
                    products: o.products.clone(),
                    valid_from: o.valid_from,
                    valid_until: o.valid_until,
                    policy: o.policy.clone(),
                    policy_version: o.policy_version.clone(),
                    terms: o.terms.clone(),
                    size_class: o.size_class.clone(),
                    created_at: o.created_at.as_second(),
                };
                let local = accounts::insert_organization(tx, &org).await?;
                let moments = o.update_moments.as_ref().map(|m| m.to_string());
                store::set_organization_extras(tx, local, moments.as_deref(), o.mfa_required)
                    .await?;
                local
            }
            Line::Person(p) => {
                if let Some(existing) = accounts::user_by_email(tx, &p.email).await? {
                    // The desk has this person already (the admin who set it up, someone
                    // imported from another source): the data set's id names them.
                    store::record_ids(tx, "person", &[(id.as_str(), existing.id)]).await?;
                    self.ids
                        .entry("person")
                        .or_default()
                        .insert(id.clone(), existing.id);
                    if let Some(ahead) = &self.ahead {
                        ahead.learn("person", &id, existing.id);
                    }
                    learnt.push(("person", id, existing.id));
                    counts.push((kind, false));
                    return Ok(());
                }
                let organization_id = match &p.organization {
                    Some(org) => Some(self.here(learnt, "organization", org).ok_or_else(|| {
                        refused(Problem::UnknownReference {
                            field: "organization".into(),
                            id: org.clone(),
                        })
                    })?),
                    None => None,
                };
                let user = User {
                    id: 0,
                    email: p.email.clone(),
                    name: p.name.clone(),
                    role: p.role,
                    organization_id,
                    language: p.language,
                    created_at: p.created_at.as_second(),
                    disabled_at: p.disabled_at.map(|t| t.as_second()),
                };
                let local = accounts::insert_user(tx, &user).await?;
                if let Some(at) = user.disabled_at {
                    accounts::set_disabled(tx, local, Some(at)).await?;
                }
                if p.password_hash.is_some() || p.totp_secret.is_some() {
                    store::set_secrets(
                        tx,
                        local,
                        p.password_hash.as_deref(),
                        p.totp_secret.as_deref(),
                        p.totp_enabled,
                    )
                    .await?;
                }
                local
            }
            Line::Audit(_) => return Ok(()),
            Line::Component(c) => {
                let component = crate::store::availability::Component {
                    id: 0,
                    name: c.name.clone(),
                    production: c.production,
                    organization_id: c
                        .organization
                        .as_deref()
                        .and_then(|o| self.here(learnt, "organization", o)),
                    state: crate::domain::availability::ComponentState::Up,
                    created_at: c.created_at.as_second(),
                };
                let local = availability::insert_component(tx, &component).await?;
                if c.ring.is_some() {
                    store::set_component_ring(tx, local, c.ring.as_deref()).await?;
                }
                local
            }
            Line::Monitor(m) => {
                let component = self.component(learnt, &m.component, refused)?;
                let monitor = crate::store::availability::Monitor {
                    id: 0,
                    component_id: component,
                    kind: m.monitor_type.clone(),
                    target: m.target.clone(),
                    method: m.method.clone(),
                    expected_status: m.expected_status,
                    body_contains: m.body_contains.clone(),
                    timeout_ms: m.timeout_ms,
                    interval_seconds: m.interval_seconds,
                    failing: false,
                    consecutive_failures: 0,
                    failing_since: None,
                    last_checked_at: None,
                    last_error: None,
                    last_beat_at: None,
                };
                availability::insert_monitor(tx, &monitor, self.now.as_second()).await?
            }
            Line::Outage(o) => {
                let component = self.component(learnt, &o.component, refused)?;
                let ticket = match &o.ticket {
                    Some(t) => store::known_ids(tx, "ticket", &[t.as_str()])
                        .await?
                        .into_values()
                        .next(),
                    None => None,
                };
                let local = store::insert_outage(
                    tx,
                    component,
                    o.started_at.as_second(),
                    o.ended_at.map(|t| t.as_second()),
                    ticket,
                )
                .await?;
                for update in &o.updates {
                    availability::insert_update(
                        tx,
                        &crate::store::availability::OutageUpdate {
                            id: 0,
                            outage_id: local,
                            at: update.at.as_second(),
                            message: update.message.clone(),
                            author_id: person(learnt, &update.author),
                        },
                    )
                    .await?;
                }
                local
            }
            Line::Maintenance(m) => {
                let window = crate::store::availability::MaintenanceWindow {
                    id: 0,
                    component_id: self.component(learnt, &m.component, refused)?,
                    starts_at: m.starts_at.as_second(),
                    ends_at: m.ends_at.as_second(),
                    emergency: m.emergency,
                    work: m.work.clone(),
                    impact: m.impact.clone(),
                    announced_at: m.announced_at.as_second(),
                    created_by: person(learnt, &m.created_by),
                };
                availability::insert_window(tx, &window).await?
            }
            Line::Exclusion(e) => {
                let row = crate::store::availability::ExclusionRow {
                    id: 0,
                    component_id: self.component(learnt, &e.component, refused)?,
                    starts_at: e.starts_at.as_second(),
                    ends_at: e.ends_at.as_second(),
                    category: accounts::word(&e.category),
                    reason: e.reason.clone(),
                    created_by: person(learnt, &e.created_by),
                    created_at: e.created_at.as_second(),
                };
                availability::insert_exclusion(tx, &row).await?
            }
            Line::Ticket(_) => return Ok(()),
        };
        if kind != "policy_version" {
            store::record_ids(tx, kind, &[(id.as_str(), local)]).await?;
        }
        // Known at once to the lines after it in this batch; a batch that fails ends the run.
        self.ids.entry(kind).or_default().insert(id.clone(), local);
        if let Some(ahead) = &self.ahead {
            ahead.learn(kind, &id, local);
            if let Line::Organization(o) = &line {
                ahead
                    .contracts
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(local, o.policy.clone());
            }
            if kind == "policy_version" {
                *ahead.versions.write().unwrap_or_else(|e| e.into_inner()) = self.versions.clone();
            }
        }
        learnt.push((kind, id, local));
        counts.push((kind, true));
        Ok(())
    }

    fn component(
        &self,
        learnt: &[(&'static str, String, i64)],
        id: &str,
        refused: impl Fn(Problem) -> ExchangeError,
    ) -> Result<i64, ExchangeError> {
        self.here(learnt, "component", id).ok_or_else(|| {
            refused(Problem::UnknownReference {
                field: "component".into(),
                id: id.to_string(),
            })
        })
    }

    /// Writes a run of audit entries many to a statement: the ones here skipped, each
    /// subject (`ticket:12`) turned into the id here of the object `refers_to` names.
    async fn write_audits(
        &mut self,
        tx: &mut Conn,
        run: Vec<AuditLine>,
        counts: &mut Vec<(&'static str, bool)>,
    ) -> Result<(), ExchangeError> {
        if run.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = run.iter().map(|a| a.id.as_str()).collect();
        let here = store::known_ids(tx, "audit", &ids).await?;
        let mut seen = HashSet::new();
        let new: Vec<&AuditLine> = run
            .iter()
            .filter(|a| !here.contains_key(&a.id) && seen.insert(a.id.as_str()))
            .collect();
        counts.extend(std::iter::repeat_n(("audit", false), run.len() - new.len()));
        let tickets: Vec<&str> = new
            .iter()
            .filter(|a| a.subject.starts_with("ticket:"))
            .filter_map(|a| a.refers_to.as_deref())
            .collect();
        let tickets = store::known_ids(tx, "ticket", &tickets).await?;
        let local_ids =
            store::reserve_ids(tx, self.desk.store.dialect, "audit_log", new.len()).await?;
        let mut rows = Vec::with_capacity(new.len());
        let mut names = Vec::with_capacity(new.len());
        for (entry, id) in new.iter().zip(local_ids) {
            let local = match (entry.refers_to.as_deref(), entry.subject.split_once(':')) {
                (Some(refers_to), Some((prefix, _))) => match prefix {
                    "ticket" => tickets.get(refers_to).copied(),
                    "user" => self.known("person", refers_to),
                    "organization" | "component" | "monitor" | "outage" | "maintenance" => SMALL
                        .iter()
                        .find(|kind| **kind == prefix)
                        .and_then(|kind| self.known(kind, refers_to)),
                    _ => None,
                }
                .map(|local| format!("{prefix}:{local}")),
                _ => None,
            };
            let actor = entry.actor.as_deref().and_then(|a| self.known("person", a));
            rows.push(store::AuditRow {
                id,
                at: entry.at.as_second(),
                actor_id: actor,
                action: entry.action.clone(),
                subject: local.unwrap_or_else(|| entry.subject.clone()),
                detail: entry.detail.to_string(),
            });
            names.push((entry.id.as_str(), id));
        }
        store::insert_audits(tx, &rows).await?;
        store::record_ids(tx, "audit", &names).await?;
        counts.extend(std::iter::repeat_n(("audit", true), rows.len()));
        Ok(())
    }

    /// Writes a run of tickets: the ones already here skipped, the rest replayed, measured,
    /// and written many to a statement with their events, sent alerts and external ids.
    async fn write_tickets(
        &mut self,
        tx: &mut Conn,
        mut run: Vec<(u64, TicketLine, Option<Measured>)>,
        counts: &mut Vec<(&'static str, bool)>,
    ) -> Result<u64, ExchangeError> {
        if run.is_empty() {
            return Ok(0);
        }
        let dialect = self.desk.store.dialect;
        let ids: Vec<&str> = run.iter().map(|(_, t, _)| t.id.as_str()).collect();
        let here = store::known_ids(tx, "ticket", &ids).await?;
        let mut fresh_in_run = HashSet::new();
        let mut measured_ahead: Vec<Option<Measured>> = Vec::new();
        let mut chosen = Vec::new();
        for (index, (_, ticket, measured)) in run.iter_mut().enumerate() {
            if here.contains_key(&ticket.id) || !fresh_in_run.insert(ticket.id.clone()) {
                counts.push(("ticket", false));
            } else {
                chosen.push(index);
                measured_ahead.push(measured.take());
            }
        }
        let new: Vec<(u64, &TicketLine)> = chosen
            .iter()
            .map(|&index| (run[index].0, &run[index].1))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let ticket_ids = if self.options.keep_numbers {
            let wanted: Vec<i64> = new.iter().filter_map(|(_, t)| kept_number(t)).collect();
            let taken = store::tickets_taken(tx, &wanted).await?;
            if let Some(taken) = taken.first() {
                let line = new
                    .iter()
                    .find(|(_, t)| kept_number(t) == Some(*taken))
                    .map_or(0, |(n, _)| *n);
                return Err(ExchangeError::Refused(LineProblem {
                    line,
                    problem: Problem::Number {
                        number: crate::domain::ticket_number(*taken),
                    },
                }));
            }
            wanted
        } else {
            store::reserve_ids(tx, dialect, "tickets", new.len()).await?
        };
        let mut tickets = Vec::with_capacity(new.len());
        let mut events: Vec<TicketEvent> = Vec::with_capacity(new.len() * 4);
        let mut alerts = Vec::new();
        let mut names: Vec<(&str, i64)> = Vec::with_capacity(new.len());
        let mut numbers: Vec<(&str, i64)> = Vec::new();
        for (((number, line), id), measured) in new.iter().zip(&ticket_ids).zip(measured_ahead) {
            let measured = match measured {
                Some(measured) => measured,
                None => self.measure(tx, *number, line).await?,
            };
            let Measured {
                mut ticket,
                events: mut own,
                past,
            } = measured;
            // Measured without an id: the events are the ticket's own all the same.
            ticket.id = *id;
            for event in &mut own {
                event.ticket_id = *id;
            }
            alerts.extend(past.into_iter().map(|key| (*id, key, self.now.as_second())));
            events.extend(own);
            tickets.push(ticket);
            names.push((line.id.as_str(), *id));
            if !self.options.keep_numbers
                && let Some(source) = &line.number
            {
                numbers.push((source.as_str(), *id));
            }
        }
        let event_ids = store::reserve_ids(tx, dialect, "ticket_events", events.len()).await?;
        for (event, id) in events.iter_mut().zip(event_ids) {
            event.id = id;
        }
        store::insert_tickets(tx, &tickets).await?;
        store::insert_events(tx, &events).await?;
        store::insert_alerts(tx, &alerts).await?;
        store::record_ids(tx, "ticket", &names).await?;
        store::record_numbers(tx, &numbers).await?;
        if self.options.keep_numbers {
            store::catch_up_sequence(tx, dialect, "tickets").await?;
        }
        for _ in &tickets {
            counts.push(("ticket", true));
        }
        Ok(events.len() as u64)
    }

    /// Replays and measures a ticket the reader could not (it named something written in the
    /// batch before, or something wrong since the check).
    async fn measure(
        &mut self,
        tx: &mut Conn,
        number: u64,
        line: &TicketLine,
    ) -> Result<Measured, ExchangeError> {
        let refused = |problem: Problem| {
            ExchangeError::Refused(LineProblem {
                line: number,
                problem,
            })
        };
        let organization = self
            .reference("organization", "organization", &line.organization)
            .map_err(refused)?;
        let requester = self
            .reference("person", "requester", &line.requester)
            .map_err(refused)?;
        let version = self.version_of_ticket(line).map_err(refused)?.clone();
        let people = |id: &str| self.known("person", id);
        let mut replayed =
            replay(line, organization, requester, &version.version, &people).map_err(refused)?;
        let policy = self.policy(tx, organization, &version).await?;
        let past = derive_history(&policy, &mut replayed.ticket, &replayed.events, self.now)
            .map_err(|e| ExchangeError::Fault(e.to_string()))?;
        Ok(Measured {
            ticket: replayed.ticket,
            events: replayed.events,
            past,
        })
    }

    /// The policy a ticket of `organization` under `version` is measured by.
    async fn policy(
        &mut self,
        tx: &mut Conn,
        organization: i64,
        version: &PolicyVersion,
    ) -> Result<Arc<Policy>, ExchangeError> {
        let contract = match self.contracts.get(&organization) {
            Some(contract) => contract.clone(),
            None => {
                let contract = accounts::organization_by_id(tx, organization)
                    .await?
                    .and_then(|o| o.policy);
                self.contracts.insert(organization, contract.clone());
                contract
            }
        };
        self.desk
            .policies
            .for_version(version, contract.as_deref())
            .map_err(|e| ExchangeError::Fault(e.to_string()))
    }
}

/// `--keep-numbers`: refuses the tickets whose numbers another ticket here has. A ticket
/// imported before keeps its number: it is skipped, not refused.
async fn check_numbers(
    conn: &mut Conn,
    numbers: &[(u64, i64, String)],
    report: &mut dyn FnMut(&LineProblem),
    bad: &mut std::collections::BTreeMap<u64, LineProblem>,
) -> Result<(), ExchangeError> {
    let ids: Vec<&str> = numbers.iter().map(|(_, _, id)| id.as_str()).collect();
    let imported = store::known_ids(conn, "ticket", &ids).await?;
    let wanted: Vec<i64> = numbers.iter().map(|(_, n, _)| *n).collect();
    let taken: HashSet<i64> = store::tickets_taken(conn, &wanted)
        .await?
        .into_iter()
        .collect();
    for (number, kept, id) in numbers {
        if taken.contains(kept) && !imported.contains_key(id) {
            let problem = LineProblem {
                line: *number,
                problem: Problem::Number {
                    number: crate::domain::ticket_number(*kept),
                },
            };
            report(&problem);
            bad.insert(*number, problem);
        }
    }
    Ok(())
}

/// A line to write, with its ticket measured ahead when it could be.
type Item = (u64, Line, Option<Measured>);
type Batch = Result<(Vec<Item>, u64), ExchangeError>;

/// Reads the good lines in batches, each with the bytes read so far, until the file ends or
/// the writer stops listening.
fn read_batches(
    lines: impl Iterator<Item = (u64, std::io::Result<String>, u64)>,
    skip: HashSet<u64>,
    size: usize,
    ahead: &Ahead,
    sender: tokio::sync::mpsc::Sender<Batch>,
) {
    let mut batch: Vec<Item> = Vec::with_capacity(size);
    let mut last = 0;
    for (number, text, read) in lines {
        last = read;
        let text = match text {
            Ok(text) => text,
            Err(source) => {
                let _ = sender.blocking_send(Err(ExchangeError::Io {
                    what: "reading the data set".into(),
                    source,
                }));
                return;
            }
        };
        if skip.contains(&number) || text.trim().is_empty() {
            continue;
        }
        match parse_line(&text) {
            Ok(Line::Header(_)) => {}
            Ok(Line::Ticket(ticket)) => {
                let measured = ahead.measure(&ticket);
                batch.push((number, Line::Ticket(ticket), measured));
            }
            Ok(line) => batch.push((number, line, None)),
            // The file changed since it was checked.
            Err(problem) => {
                let _ = sender.blocking_send(Err(ExchangeError::Refused(LineProblem {
                    line: number,
                    problem,
                })));
                return;
            }
        }
        if batch.len() >= size
            && sender
                .blocking_send(Ok((std::mem::take(&mut batch), read)))
                .is_err()
        {
            return;
        }
    }
    let _ = sender.blocking_send(Ok((batch, last)));
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
