//! Monthly SLA reports (S3, A1, G2): what a period's tickets achieved per priority against the
//! targets and the indicative table, the 24/7 outage class apart, the breaches, the
//! availability of the components, the credits owed and a trend of thirteen months.
//!
//! Which tickets count (shown on the report as well, and in docs/REPORTS.md):
//! - reactions by the month a ticket was filed; one not reacted to is missed once its reaction
//!   is overdue at the moment the report is made, and not judged before;
//! - resolutions by the month of the closing that stands: a reopened ticket counts once, when
//!   it is closed for the last time, and not in the month of an earlier closing;
//! - a ticket counts under the priority in force at the end, against the targets and the
//!   indicative table of the SLA version it was measured by (rows split by version);
//! - open at the end: filed before the period's end and not closed by then, or reopened since.
//!
//! The figures are counted from each ticket's derived outcome (see `sla::outcome`), which is
//! written with every change; `rebuild_outcomes` recomputes them from the events.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use sladesk_core::availability::month_bounds;
use sladesk_core::calendar::{FIRST_YEAR, LAST_YEAR};
use sladesk_core::credits::CreditStatement;
use sladesk_core::policy::Policy;
use sladesk_core::report::{
    Headline, PriorityFigures, ReactionFacts, ResolutionFacts, Targets, Weighted, headline,
    percent, priority_figures,
};
use sladesk_core::tickets::Priority;

use super::{Actor, Desk, DeskError, Refusal, Thing};
use crate::store::tickets::outcomes::{
    self, BrokenTarget, BrokenTicket, Measure, MonthTally, Scope, Unanswered,
};
use crate::store::{Conn, accounts, availability, policies, tickets};

/// The most months one report covers.
pub const MAX_MONTHS: i64 = 24;
/// The months a trend shows: the period's last and the twelve before it.
const TREND_MONTHS: i64 = 13;
/// The most breaches a report lists, in the order they happened: a printed report stays a few
/// pages long, and the CSV of the breaches has them all.
pub const MAX_LISTED_BREACHES: usize = 250;

/// A run of whole calendar months in the policy's time zone, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    pub first: (i16, i8),
    pub last: (i16, i8),
}

fn month_index((year, month): (i16, i8)) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

fn month_of(index: i64) -> (i16, i8) {
    (
        i16::try_from(index.div_euclid(12)).unwrap_or(i16::MAX),
        (index.rem_euclid(12) + 1) as i8,
    )
}

/// The month `n` months after `month` (before it for a negative `n`).
pub(super) fn months_after(month: (i16, i8), n: i64) -> (i16, i8) {
    month_of(month_index(month) + n)
}

/// A month as the tallies key it: `202610`.
fn month_key((year, month): (i16, i8)) -> i64 {
    i64::from(year) * 100 + i64::from(month)
}

/// A month as `2026-10`.
pub fn month_label((year, month): (i16, i8)) -> String {
    format!("{year:04}-{month:02}")
}

impl ReportPeriod {
    pub fn month(month: (i16, i8)) -> ReportPeriod {
        ReportPeriod {
            first: month,
            last: month,
        }
    }

    /// From `first` to `last`, both included: refused when backwards or too long.
    pub fn between(first: (i16, i8), last: (i16, i8)) -> Result<ReportPeriod, DeskError> {
        // The calendars cover a fixed run of years; the trend reaches a year before the period.
        let covered = FIRST_YEAR + 1..=LAST_YEAR;
        for (year, month) in [first, last] {
            if !covered.contains(&year) {
                return Err(Refusal::NoSuchMonth {
                    year: year.into(),
                    month: month.into(),
                }
                .into());
            }
        }
        let months = month_index(last) - month_index(first) + 1;
        if months < 1 {
            return Err(Refusal::PeriodOutOfOrder.into());
        }
        if months > MAX_MONTHS {
            return Err(Refusal::PeriodTooLong {
                max_months: MAX_MONTHS,
            }
            .into());
        }
        Ok(ReportPeriod { first, last })
    }

    pub fn months(&self) -> Vec<(i16, i8)> {
        (month_index(self.first)..=month_index(self.last))
            .map(month_of)
            .collect()
    }
}

/// A row of the report: one priority as measured by one SLA version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub policy_version: String,
    #[serde(flatten)]
    pub figures: PriorityFigures,
}

/// Which target a breach broke, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// Reacted to after the target.
    ReactionLate,
    /// Not reacted to by the due moment.
    NoReaction,
    /// Closed after the resolution target.
    ResolutionLate,
    /// Still open, past its resolution target.
    OpenOverdue,
}

/// A ticket that broke a target in the period; its page explains the clocks stretch by stretch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Breach {
    pub ticket_id: i64,
    pub number: String,
    pub organization_id: i64,
    pub priority: Priority,
    pub subject: String,
    pub kind: BreachKind,
    /// Business seconds beyond the target, where the clock stopped.
    pub over_seconds: Option<i64>,
    /// When the target fell due, for a clock that never stopped.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
}

/// A component's availability in one month of the period (A1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComponentMonth {
    pub component_id: i64,
    pub name: String,
    pub month: String,
    pub availability_percent: f64,
    pub target_percent: f64,
    pub target_met: bool,
    pub downtime_seconds: i64,
    /// Unavailability that did not count: announced maintenance, exclusions, short blips.
    pub uncounted_seconds: i64,
}

/// The credits a contract is owed for one month of the period (G2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthCredits {
    pub organization_id: i64,
    pub organization_name: String,
    pub month: String,
    pub statement: CreditStatement,
}

/// The headline of one month of the trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendMonth {
    pub month: String,
    #[serde(flatten)]
    pub headline: Headline,
}

/// The organisation a report is about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportOrganization {
    pub id: i64,
    pub name: String,
}

/// An SLA report of a period and a scope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodReport {
    /// The organisation; absent for the whole desk.
    pub organization: Option<ReportOrganization>,
    /// The first and last month, like `2026-10`.
    pub from: String,
    pub to: String,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// The moment the figures were made: an open reaction is judged against it.
    #[schema(value_type = String, format = DateTime)]
    pub made_at: Timestamp,
    pub time_zone: String,
    pub headline: Headline,
    /// Low, Normal and High, each by the SLA version that measured its tickets.
    pub priorities: Vec<ReportRow>,
    /// The 24/7 track of platform outages (15 minutes to react, 2 hours to resolve).
    pub outages: Vec<ReportRow>,
    /// Every breach in the period, at most `MAX_LISTED_BREACHES` of them (see `breaches_total`).
    pub breaches: Vec<Breach>,
    pub breaches_total: u64,
    pub availability: Vec<ComponentMonth>,
    pub credits: Vec<MonthCredits>,
    /// The headline of the period's last month and the twelve before it, oldest first.
    pub trend: Vec<TrendMonth>,
}

/// Facts of one priority and version, gathered from the grouped counts.
#[derive(Default)]
struct Gathered {
    reaction: ReactionFacts,
    resolution: ResolutionFacts,
    open_at_end: u64,
}

impl Desk {
    /// The SLA report of `period` for one organisation (staff, or the organisation's own
    /// people) or, with `None`, for the whole desk (staff only).
    pub async fn sla_report(
        &self,
        actor: &Actor,
        organization: Option<i64>,
        period: ReportPeriod,
    ) -> Result<PeriodReport, DeskError> {
        let scope = scope_for(actor, organization)?;
        let tz = self.policies.base().availability.time_zone.clone();
        let (start, end) = self.period_bounds(period)?;
        let made_at = self.clock.now();
        let now = made_at.as_second();
        let mut conn = self.store.read().await?;
        let org = match scope {
            Scope::Organization(id) => Some(
                accounts::organization_by_id(&mut conn, id)
                    .await?
                    .ok_or(DeskError::NotFound(Thing::Organization))?,
            ),
            Scope::Desk => None,
        };
        let contract = org.as_ref().and_then(|o| o.policy.clone());

        let (first, last) = (month_key(period.first), month_key(period.last));
        let trend_first = month_index(period.last) - TREND_MONTHS + 1;
        let (trend_start, _) = self.period_bounds(ReportPeriod::month(month_of(trend_first)))?;
        let unanswered =
            outcomes::unanswered(&mut conn, scope, start.min(trend_start), end, now).await?;
        let months = outcomes::months_until(&mut conn, scope, last).await?;

        let mut gathered: BTreeMap<(Priority, String), Gathered> = BTreeMap::new();
        for t in outcomes::times(&mut conn, scope, Measure::Reaction, first, last).await? {
            let r = &mut gathered
                .entry((t.priority, t.policy_version))
                .or_default()
                .reaction;
            if t.within_target {
                r.met += t.tickets;
            } else {
                r.late += t.tickets;
            }
            r.times.push(Weighted {
                seconds: t.minutes * 60,
                count: t.tickets,
            });
        }
        for u in unanswered.iter().filter(|u| u.month >= first) {
            let r = &mut gathered
                .entry((u.priority, u.policy_version.clone()))
                .or_default()
                .reaction;
            if u.overdue {
                r.overdue += u.tickets;
            } else {
                r.awaiting += u.tickets;
            }
        }
        for t in outcomes::times(&mut conn, scope, Measure::Resolution, first, last).await? {
            let r = &mut gathered
                .entry((t.priority, t.policy_version))
                .or_default()
                .resolution;
            r.resolved += t.tickets;
            if t.within_target {
                r.within_target += t.tickets;
            }
            let band = usize::try_from(t.band).unwrap_or(0);
            if r.bands.len() <= band {
                r.bands.resize(band + 1, 0);
            }
            r.bands[band] += t.tickets;
            r.times.push(Weighted {
                seconds: t.minutes * 60,
                count: t.tickets,
            });
        }
        // Open at the end: every ticket filed by then less every closing (that stands) by then.
        let mut open: BTreeMap<(Priority, String), i64> = BTreeMap::new();
        for m in &months {
            let key = (m.priority, m.policy_version.clone());
            let tickets = i64::try_from(m.tickets).unwrap_or(i64::MAX);
            if m.filed {
                *open.entry(key.clone()).or_default() += tickets;
                if m.month >= first {
                    gathered.entry(key).or_default().reaction.opened += m.tickets;
                }
            } else {
                *open.entry(key).or_default() -= tickets;
            }
        }
        for (key, tickets) in open {
            if tickets > 0 {
                gathered.entry(key).or_default().open_at_end = tickets.unsigned_abs();
            }
        }
        // A priority without tickets still gets its row, measured by the version in force at
        // the period's end (or the one the contract holds to).
        let fallback = match org.as_ref().and_then(|o| o.policy_version.clone()) {
            Some(version) => version,
            None => {
                self.version_in_force(&mut conn, (end - 1).min(now))
                    .await?
                    .version
            }
        };
        let mut priorities = Vec::new();
        let mut outages = Vec::new();
        for priority in [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::SaasOutage,
        ] {
            let mut versions: BTreeSet<String> = gathered
                .keys()
                .filter(|(p, _)| *p == priority)
                .map(|(_, v)| v.clone())
                .collect();
            if versions.is_empty() {
                versions.insert(fallback.clone());
            }
            for version in versions {
                let facts = gathered
                    .remove(&(priority, version.clone()))
                    .unwrap_or_default();
                let policy = self
                    .policy_by_version(&mut conn, &version, contract.as_deref())
                    .await?;
                let figures = priority_figures(
                    priority,
                    &targets(&policy, priority),
                    &facts.reaction,
                    &facts.resolution,
                    facts.open_at_end,
                );
                let row = ReportRow {
                    policy_version: version,
                    figures,
                };
                if priority == Priority::SaasOutage {
                    outages.push(row);
                } else {
                    priorities.push(row);
                }
            }
        }
        let headline = headline(priorities.iter().chain(&outages).map(|r| &r.figures));

        let breaches = outcomes::breaches(
            &mut conn,
            scope,
            start,
            end,
            now,
            MAX_LISTED_BREACHES as i64,
        )
        .await?
        .iter()
        .map(|(kind, t)| breach_of(*kind, t))
        .collect();
        let breaches_total =
            outcomes::breach_count(&mut conn, scope, (start, end), (first, last), now).await?;
        let trend = trend(trend_first, &months, &unanswered);

        // Availability: the shared platform and the organisation's own instances (all of them
        // for the whole desk); credits: the contract's, or every contract's for the desk.
        let components: Vec<_> = availability::list_components(&mut conn)
            .await?
            .into_iter()
            .filter(|c| match scope {
                Scope::Desk => true,
                Scope::Organization(id) => c.organization_id.is_none_or(|o| o == id),
            })
            .collect();
        let contracts: Vec<(i64, String)> = match &org {
            Some(o) if o.terms.is_some() => vec![(o.id, o.name.clone())],
            Some(_) => Vec::new(),
            None => accounts::list_organizations(&mut conn, None, 0, 10_000)
                .await?
                .into_iter()
                .filter(|o| o.terms.is_some())
                .map(|o| (o.id, o.name))
                .collect(),
        };
        drop(conn);
        let mut availability = Vec::new();
        let mut credits = Vec::new();
        for month in period.months() {
            if self.period_bounds(ReportPeriod::month(month))?.0 > now {
                break;
            }
            for component in &components {
                let report = self
                    .availability(&Actor::system(), component.id, month.0, month.1)
                    .await?;
                let uncounted = report
                    .intervals
                    .iter()
                    .filter(|i| !i.counted)
                    .map(|i| i.seconds)
                    .sum();
                availability.push(ComponentMonth {
                    component_id: component.id,
                    name: component.name.clone(),
                    month: month_label(month),
                    availability_percent: report.availability_percent,
                    target_percent: self.policies.base().availability_target_percent,
                    target_met: report.target_met,
                    downtime_seconds: report.downtime_seconds,
                    uncounted_seconds: uncounted,
                });
            }
            for (id, name) in &contracts {
                let (_, statement) = self
                    .credits(&Actor::system(), *id, month.0, month.1)
                    .await?;
                credits.push(MonthCredits {
                    organization_id: *id,
                    organization_name: name.clone(),
                    month: month_label(month),
                    statement,
                });
            }
        }
        let instant =
            |s: i64| Timestamp::from_second(s).map_err(|e| DeskError::Fault(e.to_string()));
        Ok(PeriodReport {
            organization: org.map(|o| ReportOrganization {
                id: o.id,
                name: o.name,
            }),
            from: month_label(period.first),
            to: month_label(period.last),
            starts_at: instant(start)?,
            ends_at: instant(end)?,
            made_at,
            time_zone: tz.iana_name().unwrap_or("Europe/Amsterdam").to_string(),
            headline,
            priorities,
            outages,
            breaches,
            breaches_total,
            availability,
            credits,
            trend,
        })
    }

    /// The calendar month before today's (in the policy's time zone): a report's default.
    pub fn previous_month(&self) -> (i16, i8) {
        let tz = self.policies.base().availability.time_zone.clone();
        let today = self.clock.now().to_zoned_datetime(tz).date();
        month_of(month_index((today.year(), today.month())) - 1)
    }

    /// Every breach of `period` (the report lists at most `MAX_LISTED_BREACHES`).
    pub async fn sla_breaches(
        &self,
        actor: &Actor,
        organization: Option<i64>,
        period: ReportPeriod,
    ) -> Result<Vec<Breach>, DeskError> {
        let scope = scope_for(actor, organization)?;
        let (start, end) = self.period_bounds(period)?;
        let now = self.clock.now().as_second();
        let mut conn = self.store.read().await?;
        if let Scope::Organization(id) = scope {
            accounts::organization_by_id(&mut conn, id)
                .await?
                .ok_or(DeskError::NotFound(Thing::Organization))?;
        }
        Ok(
            outcomes::breaches(&mut conn, scope, start, end, now, i64::MAX)
                .await?
                .iter()
                .map(|(kind, t)| breach_of(*kind, t))
                .collect(),
        )
    }

    /// The first and last instant of `period`, `[start, end)`.
    fn period_bounds(&self, period: ReportPeriod) -> Result<(i64, i64), DeskError> {
        let tz = self.policies.base().availability.time_zone.clone();
        let bounds = |month: (i16, i8)| {
            month_bounds(&tz, month.0, month.1)
                .map(|(s, e)| (s.as_second(), e.as_second()))
                .map_err(|_| {
                    DeskError::from(Refusal::NoSuchMonth {
                        year: month.0.into(),
                        month: month.1.into(),
                    })
                })
        };
        Ok((bounds(period.first)?.0, bounds(period.last)?.1))
    }

    /// The policy of a stored version with a contract's own policy over it (the built-in
    /// policy for a version from before versions were kept).
    async fn policy_by_version(
        &self,
        conn: &mut Conn,
        version: &str,
        contract: Option<&str>,
    ) -> Result<Arc<Policy>, DeskError> {
        if let Some(policy) = self.policies.cached(version, contract) {
            return Ok(policy);
        }
        match policies::version_by_id(conn, version).await? {
            Some(stored) => Ok(self.policies.for_version(&stored, contract)?),
            None => Ok(self.policies.for_contract(contract)?),
        }
    }

    /// S3: on the first working day of a month (from its first opening hour, in the office
    /// calendar), queues the previous month's report mail to everyone who gets it, each in
    /// their language: customers their organisation's, staff the whole desk's. Sent once with
    /// any number of replicas: the mailing's row is claimed in the transaction that queues
    /// the mails. Returns how many mails were queued.
    pub async fn send_monthly_reports(&self) -> Result<usize, DeskError> {
        let now = self.clock.now();
        let policy = self.policies.base();
        let tz = policy.availability.time_zone.clone();
        let today = now.to_zoned_datetime(tz.clone()).date();
        let calendar = &policy.targets(Priority::Normal).calendar;
        let (month_start, _) = month_bounds(&tz, today.year(), today.month())
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        let first_opening = calendar
            .next_opening(month_start)
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        if now < first_opening || first_opening.to_zoned_datetime(tz.clone()).date() != today {
            return Ok(0);
        }
        let previous = month_of(month_index((today.year(), today.month())) - 1);
        let month = month_label(previous);
        let key = format!("report:{month}");
        let recipients = {
            let mut conn = self.store.read().await?;
            if crate::store::outbox::mailing_sent(&mut conn, &key).await? {
                return Ok(0);
            }
            crate::store::preferences::report_mail_recipients(&mut conn).await?
        };
        let period = ReportPeriod::month(previous);
        let system = Actor::system();
        let mut reports: BTreeMap<Option<i64>, PeriodReport> = BTreeMap::new();
        let mut mails = Vec::new();
        for person in recipients {
            let scope = if person.role.is_staff() {
                None
            } else {
                match person.organization_id {
                    Some(id) => Some(id),
                    None => continue,
                }
            };
            let report = match reports.entry(scope) {
                Entry::Occupied(found) => found.into_mut(),
                Entry::Vacant(slot) => slot.insert(self.sla_report(&system, scope, period).await?),
            };
            let scope_name = report.organization.as_ref().map_or_else(
                || crate::catalogue::text(person.language, "report_organization_all"),
                |o| o.name.clone(),
            );
            let mut url = format!(
                "{}/reports?from={month}",
                self.public_url.trim_end_matches('/')
            );
            if let Some(id) = scope {
                url += &format!("&organization={id}");
            }
            let mail = crate::notify::monthly_report(
                &month,
                &scope_name,
                &report.headline,
                &url,
                person.language,
            );
            mails.push((person.email, mail));
        }
        let mut tx = self.store.write().await?;
        if !crate::store::outbox::claim_mailing(&mut tx, &key, now.as_second()).await? {
            return Ok(0);
        }
        for (email, mail) in &mails {
            crate::store::outbox::enqueue(
                &mut tx,
                email,
                &mail.subject,
                &mail.body,
                None,
                now.as_second(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(mails.len())
    }

    /// Recomputes every ticket's outcome from its events (or only the ones without, as after
    /// an upgrade), in batches of one transaction each; returns how many were written.
    pub async fn rebuild_outcomes(&self, missing_only: bool) -> Result<u64, DeskError> {
        const BATCH: i64 = 500;
        let now = self.clock.now();
        let mut after = 0;
        let mut written = 0;
        loop {
            let mut tx = self.store.write().await?;
            let batch = outcomes::tickets_after(&mut tx, after, BATCH, missing_only).await?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.id;
            let ids: Vec<i64> = batch.iter().map(|t| t.id).collect();
            let mut events: BTreeMap<i64, Vec<_>> = BTreeMap::new();
            for event in tickets::events_of_many(&mut tx, &ids).await? {
                events.entry(event.ticket_id).or_default().push(event);
            }
            let mut contracts: BTreeMap<i64, Option<String>> = BTreeMap::new();
            for ticket in &batch {
                let contract = match contracts.entry(ticket.organization_id) {
                    Entry::Occupied(found) => found.into_mut(),
                    Entry::Vacant(slot) => {
                        let org =
                            accounts::organization_by_id(&mut tx, ticket.organization_id).await?;
                        slot.insert(org.and_then(|o| o.policy))
                    }
                };
                let contract = contract.clone();
                let contract = contract.as_deref();
                let policy = self.policy_of_ticket(&mut tx, ticket, contract).await?;
                let events = events.remove(&ticket.id).unwrap_or_default();
                let (report, _) = super::sla::evaluate_ticket(&policy, ticket, &events, now)?;
                let outcome = super::sla::outcome(&policy, ticket, &events, &report);
                if outcome != ticket.outcome {
                    outcomes::set_outcome(&mut tx, ticket.id, &outcome).await?;
                    written += 1;
                }
            }
            tx.commit().await?;
        }
        // The triggers kept the tallies with every outcome written above; a full rebuild
        // counts them again from the tickets all the same, so that it repairs whatever an
        // earlier version or a hand-made change left behind.
        if !missing_only {
            let mut tx = self.store.write().await?;
            outcomes::recount_tallies(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(written)
    }
}

/// Whose tickets `actor` may see a report of: an organisation it sees (else 404, as if there
/// were none), or the whole desk for staff.
fn scope_for(actor: &Actor, organization: Option<i64>) -> Result<Scope, DeskError> {
    match organization {
        Some(id) if actor.sees_organization(id) => Ok(Scope::Organization(id)),
        Some(_) => Err(DeskError::NotFound(Thing::Organization)),
        None if actor.is_staff() => Ok(Scope::Desk),
        None => Err(Refusal::StaffOnly.into()),
    }
}

fn targets(policy: &Policy, priority: Priority) -> Targets {
    let t = policy.targets(priority);
    Targets {
        reaction_seconds: t.reaction_seconds,
        resolution_seconds: t.resolution_seconds,
        indicative: t.indicative_resolution.clone(),
    }
}

/// The headline of the thirteen months from month `first` (an index), oldest first: filed
/// and closed from the tallies, an unanswered ticket judged once its reaction is overdue.
fn trend(first: i64, months: &[MonthTally], unanswered: &[Unanswered]) -> Vec<TrendMonth> {
    (first..first + TREND_MONTHS)
        .map(|index| {
            let key = month_key(month_of(index));
            let of_month = months.iter().filter(|m| m.month == key);
            let (mut opened, mut answered, mut met, mut closed, mut within) = (0, 0, 0, 0, 0);
            for m in of_month {
                if m.filed {
                    opened += m.tickets;
                    if m.answered {
                        answered += m.tickets;
                        if m.within_target {
                            met += m.tickets;
                        }
                    }
                } else {
                    closed += m.tickets;
                    if m.within_target {
                        within += m.tickets;
                    }
                }
            }
            let missed: u64 = unanswered
                .iter()
                .filter(|u| u.month == key && u.overdue)
                .map(|u| u.tickets)
                .sum();
            TrendMonth {
                month: month_label(month_of(index)),
                headline: Headline {
                    opened,
                    resolved: closed,
                    reaction_met_percent: percent(met, answered + missed),
                    resolved_within_target_percent: percent(within, closed),
                },
            }
        })
        .collect()
}

/// A line of the breach list: the target `t` broke, and by how much.
fn breach_of(kind: BrokenTarget, t: &BrokenTicket) -> Breach {
    let o = t;
    let over = |seconds: Option<i64>, target: Option<i64>| Some(seconds? - target?);
    let (kind, over_seconds, due_at) = match kind {
        BrokenTarget::ReactionLate => (
            BreachKind::ReactionLate,
            over(o.reaction_seconds, o.reaction_target_seconds),
            None,
        ),
        BrokenTarget::NoReaction => (BreachKind::NoReaction, None, o.reaction_due_at),
        BrokenTarget::ResolutionLate => (
            BreachKind::ResolutionLate,
            over(o.resolution_seconds, o.resolution_target_seconds),
            None,
        ),
        BrokenTarget::OpenOverdue => (BreachKind::OpenOverdue, None, t.breached_at),
    };
    Breach {
        ticket_id: t.id,
        number: crate::domain::ticket_number(t.id),
        organization_id: t.organization_id,
        priority: t.priority,
        subject: t.subject.clone(),
        kind,
        over_seconds,
        due_at: due_at.and_then(|s| Timestamp::from_second(s).ok()),
    }
}
