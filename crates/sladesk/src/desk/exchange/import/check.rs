//! The first reading: every line checked, each problem reported with its line.

use super::*;

impl Run<'_> {
    /// The first reading: every line checked, each problem reported.
    pub(super) async fn check(
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
                        self.tickets_checked += 1;
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
