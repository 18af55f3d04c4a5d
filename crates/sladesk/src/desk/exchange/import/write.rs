//! The second reading: the good lines written, a batch per transaction.

use super::*;
use crate::store::tickets::outcomes;

impl Run<'_> {
    /// The second reading: the good lines written, a batch per transaction.
    pub(super) async fn write(
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
                    self.write_one(&mut tx, number, line, &mut counts).await?;
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

    async fn write_one(
        &mut self,
        tx: &mut Conn,
        number: u64,
        line: Line,
        counts: &mut Vec<(&'static str, bool)>,
    ) -> Result<(), ExchangeError> {
        let kind = kind_of(&line);
        let Some(id) = line.id().map(str::to_string) else {
            return Ok(());
        };
        let already = match kind {
            "policy_version" => policies::version_by_id(tx, &id).await?.is_some(),
            _ => self.known(kind, &id).is_some(),
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
        let person = |id: &Option<String>| id.as_deref().and_then(|id| self.known("person", id));
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
                    counts.push((kind, false));
                    return Ok(());
                }
                let organization_id = match &p.organization {
                    Some(org) => Some(self.known("organization", org).ok_or_else(|| {
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
                        .and_then(|o| self.known("organization", o)),
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
                let component = self.component(&m.component, refused)?;
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
                    ..Default::default()
                };
                availability::insert_monitor(tx, &monitor, self.now.as_second()).await?
            }
            Line::Outage(o) => {
                let component = self.component(&o.component, refused)?;
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
                            author_id: person(&update.author),
                        },
                    )
                    .await?;
                }
                local
            }
            Line::Maintenance(m) => {
                let window = crate::store::availability::MaintenanceWindow {
                    id: 0,
                    component_id: self.component(&m.component, refused)?,
                    starts_at: m.starts_at.as_second(),
                    ends_at: m.ends_at.as_second(),
                    emergency: m.emergency,
                    work: m.work.clone(),
                    impact: m.impact.clone(),
                    announced_at: m.announced_at.as_second(),
                    created_by: person(&m.created_by),
                };
                availability::insert_window(tx, &window).await?
            }
            Line::Exclusion(e) => {
                let row = crate::store::availability::ExclusionRow {
                    id: 0,
                    component_id: self.component(&e.component, refused)?,
                    starts_at: e.starts_at.as_second(),
                    ends_at: e.ends_at.as_second(),
                    category: accounts::word(&e.category),
                    reason: e.reason.clone(),
                    created_by: person(&e.created_by),
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
        counts.push((kind, true));
        Ok(())
    }

    fn component(
        &self,
        id: &str,
        refused: impl Fn(Problem) -> ExchangeError,
    ) -> Result<i64, ExchangeError> {
        self.known("component", id).ok_or_else(|| {
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
        // SQLite: the batch's report tallies in a few statements, not a trigger run per ticket.
        let by_statement = dialect == crate::store::Dialect::Sqlite;
        if by_statement {
            outcomes::tallies_by_statement(tx, true).await?;
        }
        store::insert_tickets(tx, &tickets).await?;
        if by_statement {
            outcomes::add_tallies(tx, &ticket_ids).await?;
            outcomes::tallies_by_statement(tx, false).await?;
        }
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
