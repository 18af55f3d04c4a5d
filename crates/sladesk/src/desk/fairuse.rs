//! Fair use (F1, F2): the platform's agents send each tenant's use a day per measure; a daily
//! run judges yesterday for every tenant against the rest of its cohort (the core's
//! `fairuse::judge_day` and `detect`) and keeps what it found; the SaaS team opens a case on
//! excessive use, which tells the customer and gives it the grace period; a job re-checks the
//! use when that period ends; the team decides, with a reason. Every step is audited and the
//! customer sees it. See docs/FAIR_USE.md.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sladesk_core::fairuse::{self as rules, Day};
use utoipa::ToSchema;

use super::availability::require_operator;
use super::tickets::text;
use super::{Actor, Desk, DeskError, Field, Refusal, Thing};
use crate::domain::accounts::Role;
use crate::domain::fairuse::{
    CaseFigures, CaseState, CaseStep, Decision, FairUseCase, Finding, MAX_VALUE, StepKind,
    day_date, day_number,
};
use crate::notify;
use crate::store::fairuse::{self as store, CohortDeltas, NewFinding, NewValue, Stored, Tenant};
use crate::store::{Conn, accounts, audit, outbox};

/// The most values one request (or one CSV file) may carry.
pub const MAX_VALUES: usize = 20_000;
/// The longest chart: a little over a quarter.
pub const MAX_CHART_DAYS: i64 = 400;
/// How long a replica may take for the daily run before another takes it over.
const RUN_LEASE_SECONDS: i64 = 15 * 60;

/// One value of one tenant's use.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageValue {
    /// The customer instance (a component with an organisation).
    #[schema(minimum = 1)]
    pub component_id: i64,
    /// One of the policy's measures (`data_traffic`, `api_calls`, `synchronisations`,
    /// `processing`, `storage`, `network`, or one the vendor added).
    #[schema(min_length = 1, max_length = 40)]
    pub measure: String,
    /// The day's use, a whole number in the measure's unit (bytes, calls, seconds).
    #[schema(minimum = 0, maximum = 100000000000000_i64)]
    pub value: i64,
}

/// A day of use of many tenants and measures, as an agent sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageDay {
    /// The day (Dutch time), like `2026-11-30`; not a day still to come.
    #[schema(format = Date)]
    pub day: String,
    /// Up to 20,000 values; none records nothing (an agent with nothing to say that day).
    #[schema(max_items = 20000)]
    pub values: Vec<UsageValue>,
}

/// What an intake did: values new, changed (the later value won; the earlier is kept in the
/// revisions), or the same as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Intake {
    pub days: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// One value to record, checked except for its tenant.
#[derive(Debug, Clone)]
struct Entry {
    entry: usize,
    day: Date,
    component_id: i64,
    measure: String,
    value: i64,
}

/// How a tenant's measure went on a day, for a chart. A customer sees its own value and its
/// cohort's average and size, never another tenant's value.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChartDay {
    pub day: String,
    pub own: Option<i64>,
    /// The average of the rest of the cohort (the tenant itself left out).
    pub cohort_average: Option<f64>,
    pub cohort_size: i64,
    /// The line: `factor` times that average.
    pub line: Option<f64>,
    /// `over`, `under`, `no_value` or `cohort_too_small`.
    pub verdict: String,
}

/// A tenant's use of one measure against its cohort, day by day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UsageChart {
    pub component_id: i64,
    pub component: String,
    pub organization_id: i64,
    pub measure: String,
    /// The cohort it is compared with now, like `qaas/m` (tier and size class).
    pub cohort: String,
    pub factor: f64,
    pub window_days: i64,
    pub min_cohort: i64,
    pub days: Vec<ChartDay>,
    /// The unbroken run of days over the line that ends on the last day shown.
    pub current_run: i64,
}

/// What the staff overview shows: the last run, the tenants over the line, the cohorts too
/// small to compare, and the cases.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FairUseOverview {
    /// The last day judged, if any.
    pub judged_day: Option<String>,
    pub judged_at: Option<i64>,
    pub values_judged: i64,
    pub window_days: i64,
    pub factor: f64,
    pub findings: Vec<Finding>,
    /// Cohorts with fewer tenants than a comparison needs, on the judged day:
    /// `(cohort, measure, tenants)`; their tenants are never judged.
    pub small_cohorts: Vec<SmallCohort>,
    pub cases: Vec<FairUseCase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SmallCohort {
    pub cohort: String,
    pub measure: String,
    pub tenants: i64,
}

/// The SaaS team opens a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(minimum = 1)]
    pub component_id: i64,
    #[schema(min_length = 1, max_length = 40)]
    pub measure: String,
    /// What the customer is told, in the team's words (the numbers are added).
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: String,
    /// Acute disruption of stability, security or availability (F2): the use is limited at
    /// once, without the grace period; `reason` says what was disrupted.
    #[serde(default)]
    pub acute: bool,
}

/// The SaaS team's decision on a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDecision {
    pub decision: Decision,
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: String,
}

/// A day `n` days before `day`.
fn days_before(day: Date, n: i64) -> Date {
    day.checked_sub(n.days()).unwrap_or(day)
}

fn verdict_word(day: &Day) -> &'static str {
    match day {
        Day::Over { .. } => "over",
        Day::Under { .. } => "under",
        Day::NoValue => "no_value",
        Day::CohortTooSmall { .. } => "cohort_too_small",
    }
}

/// A line of a usage CSV file, its fields as written.
struct CsvLine {
    entry: usize,
    day: String,
    component_id: i64,
    measure: String,
    value: String,
}

/// Parses a CSV file of `day,component_id,measure,value` lines (a header line is allowed).
fn parse_csv(file: &str) -> Result<Vec<CsvLine>, DeskError> {
    let mut rows = Vec::new();
    for (index, line) in file.lines().enumerate() {
        let entry = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if entry == 1
            && fields
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case("day"))
        {
            continue;
        }
        let [day, component, measure, value] = fields[..] else {
            return Err(Refusal::UsageCsvLine { entry }.into());
        };
        let component = component
            .parse::<i64>()
            .map_err(|_| Refusal::UsageCsvLine { entry })?;
        rows.push(CsvLine {
            entry,
            day: day.to_string(),
            component_id: component,
            measure: measure.to_string(),
            value: value.to_string(),
        });
        if rows.len() > MAX_VALUES {
            return Err(Refusal::UsageTooMany { max: MAX_VALUES }.into());
        }
    }
    Ok(rows)
}

impl Desk {
    fn policy_today(&self) -> Date {
        let tz = self.policies.base().availability.time_zone.clone();
        self.clock.now().to_zoned_datetime(tz).date()
    }

    fn day_text_until(&self, instant: i64) -> String {
        Timestamp::from_second(instant).map_or_else(
            |_| instant.to_string(),
            |t| {
                let tz = self.policies.base().availability.time_zone.clone();
                t.to_zoned_datetime(tz)
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
    }

    /// A measure the policy names, or the refusal that lists them (`entry` of a request).
    fn check_measure(&self, entry: usize, measure: &str) -> Result<(), DeskError> {
        let measures = &self.policies.base().fair_use.measures;
        if measures.iter().any(|m| m == measure) {
            return Ok(());
        }
        Err(Refusal::UsageUnknownMeasure {
            entry,
            measure: measure.chars().take(40).collect(),
            known: measures.join(", "),
        }
        .into())
    }

    /// A day of use as given: a real day since 2000 that has come.
    fn usage_day(entry: usize, day: &str, today: Date) -> Result<Date, DeskError> {
        let date: Date = day
            .parse()
            .ok()
            .filter(|d: &Date| d.year() >= 2000)
            .ok_or_else(|| Refusal::NotADate {
                field: Field::Day,
                given: day.chars().take(40).collect(),
            })?;
        if date > today {
            return Err(Refusal::UsageFutureDay {
                entry,
                day: date.to_string(),
            }
            .into());
        }
        Ok(date)
    }

    /// Checks one value; `day` as given.
    fn entry(
        &self,
        entry: usize,
        day: &str,
        component_id: i64,
        measure: &str,
        value: Option<i64>,
        today: Date,
    ) -> Result<Entry, DeskError> {
        let date = Self::usage_day(entry, day, today)?;
        self.check_measure(entry, measure)?;
        let value = value
            .filter(|v| (0..=MAX_VALUE).contains(v))
            .ok_or(Refusal::UsageValueRange { entry })?;
        Ok(Entry {
            entry,
            day: date,
            component_id,
            measure: measure.to_string(),
            value,
        })
    }

    /// Records a day of use sent by an agent (SaaS team or admin tokens).
    pub async fn record_usage(&self, actor: &Actor, day: UsageDay) -> Result<Intake, DeskError> {
        require_operator(actor)?;
        if day.values.len() > MAX_VALUES {
            return Err(Refusal::UsageTooMany { max: MAX_VALUES }.into());
        }
        let today = self.policy_today();
        // The day is checked even when there are no values.
        Self::usage_day(1, &day.day, today)?;
        let entries = day
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                self.entry(
                    i + 1,
                    &day.day,
                    v.component_id,
                    &v.measure,
                    Some(v.value),
                    today,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.record_entries(actor, entries).await
    }

    /// Records a CSV file of use (`day,component_id,measure,value` lines), all of it or, at
    /// the first line in error, none of it.
    pub async fn import_usage(&self, actor: &Actor, file: &str) -> Result<Intake, DeskError> {
        require_operator(actor)?;
        let today = self.policy_today();
        let entries = parse_csv(file)?
            .into_iter()
            .map(|line| {
                self.entry(
                    line.entry,
                    &line.day,
                    line.component_id,
                    &line.measure,
                    line.value.parse::<i64>().ok(),
                    today,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.record_entries(actor, entries).await
    }

    /// Writes checked values, day by day in one transaction: a value sent again replaces the
    /// earlier one (the later wins) and the change is kept; the cohort totals follow.
    async fn record_entries(
        &self,
        actor: &Actor,
        entries: Vec<Entry>,
    ) -> Result<Intake, DeskError> {
        let cohort_by = self.policies.base().fair_use.cohort;
        let now = self.clock.now().as_second();
        let mut by_day: BTreeMap<i64, Vec<Entry>> = BTreeMap::new();
        for e in entries {
            by_day.entry(day_number(e.day)).or_default().push(e);
        }
        let mut ids: Vec<i64> = by_day.values().flatten().map(|e| e.component_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut tx = self.store.write().await?;
        let tenants = store::tenants(&mut tx, &ids).await?;
        let mut intake = Intake {
            days: by_day.len(),
            ..Intake::default()
        };
        for (day, entries) in by_day {
            store::lock_day(&mut tx, day).await?;
            let ids: Vec<i64> = {
                let mut ids: Vec<i64> = entries.iter().map(|e| e.component_id).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            };
            let stored = store::stored_values(&mut tx, day, &ids).await?;
            // The last value sent for a tenant and measure wins, within a request too.
            let mut latest: BTreeMap<(i64, String), Entry> = BTreeMap::new();
            for e in entries {
                let Some(_) = tenants.get(&e.component_id) else {
                    return Err(Refusal::UsageUnknownTenant {
                        entry: e.entry,
                        id: e.component_id,
                    }
                    .into());
                };
                latest.insert((e.component_id, e.measure.clone()), e);
            }
            let mut writes = Vec::new();
            let mut deltas = CohortDeltas::new();
            let mut revisions = Vec::new();
            for ((component_id, measure), e) in latest {
                let tenant = &tenants[&component_id];
                let cohort = cohort_by.key(&tenant.tier, tenant.size_class.as_deref());
                let old = stored.get(&(component_id, measure.clone()));
                match old {
                    Some(Stored { value, cohort: was }) if *value == e.value && *was == cohort => {
                        intake.unchanged += 1;
                        continue;
                    }
                    Some(Stored { value, cohort: was }) => {
                        let d = deltas
                            .entry((was.clone(), measure.clone(), day))
                            .or_default();
                        d.0 -= value;
                        d.1 -= 1;
                        if *value != e.value {
                            revisions.push((component_id, measure.clone(), day, *value, e.value));
                        }
                        intake.changed += 1;
                    }
                    None => intake.new += 1,
                }
                let d = deltas
                    .entry((cohort.clone(), measure.clone(), day))
                    .or_default();
                d.0 += e.value;
                d.1 += 1;
                writes.push(NewValue {
                    component_id,
                    measure,
                    day,
                    value: e.value,
                    cohort,
                });
            }
            store::write_values(&mut tx, &writes, now).await?;
            store::add_to_cohorts(&mut tx, &deltas).await?;
            store::record_revisions(&mut tx, &revisions, now, actor.id()).await?;
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "usage.record",
            "usage",
            &json!({"days": intake.days, "new": intake.new, "changed": intake.changed,
                    "unchanged": intake.unchanged}),
        )
        .await?;
        tx.commit().await?;
        Ok(intake)
    }

    /// The tenant `component_id` as `actor` may see it (a customer: its own only).
    async fn visible_tenant(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        component_id: i64,
    ) -> Result<Tenant, DeskError> {
        store::tenants(conn, &[component_id])
            .await?
            .remove(&component_id)
            .filter(|t| actor.sees_organization(t.organization_id))
            .ok_or(DeskError::NotFound(Thing::Component))
    }

    /// One tenant's measure over the `days` up to yesterday, against its cohort.
    pub async fn usage_chart(
        &self,
        actor: &Actor,
        component_id: i64,
        measure: &str,
        days: i64,
    ) -> Result<UsageChart, DeskError> {
        self.check_measure(1, measure)?;
        if !(1..=MAX_CHART_DAYS).contains(&days) {
            return Err(Refusal::NotAValue {
                given: days.to_string(),
            }
            .into());
        }
        let last = days_before(self.policy_today(), 1);
        let mut conn = self.store.read().await?;
        let tenant = self.visible_tenant(&mut conn, actor, component_id).await?;
        self.chart(
            &mut conn,
            &tenant,
            measure,
            days_before(last, days - 1),
            last,
        )
        .await
    }

    async fn chart(
        &self,
        conn: &mut Conn,
        tenant: &Tenant,
        measure: &str,
        first: Date,
        last: Date,
    ) -> Result<UsageChart, DeskError> {
        let policy = self.policies.base();
        let fair = &policy.fair_use;
        let cohort = fair.cohort.key(&tenant.tier, tenant.size_class.as_deref());
        let (from, to) = (day_number(first), day_number(last));
        let own = store::own_values(conn, tenant.component_id, measure, from, to).await?;
        let mut cohorts: Vec<String> = own.values().map(|s| s.cohort.clone()).collect();
        cohorts.push(cohort.clone());
        cohorts.sort();
        cohorts.dedup();
        let totals = store::cohort_totals(conn, &cohorts, measure, from, to).await?;
        let mut chart_days = Vec::new();
        let mut judged = Vec::new();
        let mut day = first;
        while day <= last {
            let n = day_number(day);
            // Judged in the cohort the value was counted in; a day without a value shows the
            // tenant's cohort of today.
            let (own_value, total, members) = match own.get(&n) {
                Some(s) => {
                    let (t, m) = totals
                        .get(&(s.cohort.clone(), n))
                        .copied()
                        .unwrap_or((0, 0));
                    (Some(s.value), t, m)
                }
                None => {
                    let (t, m) = totals.get(&(cohort.clone(), n)).copied().unwrap_or((0, 0));
                    // Counted as if the tenant were a member with a value, so that the others
                    // are all of the cohort.
                    (None, t, m + 1)
                }
            };
            let verdict = rules::judge_day(
                own_value.map(|v| v as f64),
                total as f64,
                u32::try_from(members).unwrap_or(u32::MAX),
                &fair.rules,
            );
            let others = (members - 1).max(0);
            let average = (others > 0)
                .then(|| (total - own_value.unwrap_or(0)).max(0) as f64 / others as f64);
            chart_days.push(ChartDay {
                day: day.to_string(),
                own: own_value,
                cohort_average: average,
                cohort_size: others,
                line: average.map(|a| a * fair.rules.factor),
                verdict: verdict_word(&verdict).into(),
            });
            judged.push((day, verdict));
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        let finding = rules::detect(&judged, &fair.rules);
        Ok(UsageChart {
            component_id: tenant.component_id,
            component: tenant.name.clone(),
            organization_id: tenant.organization_id,
            measure: measure.to_string(),
            cohort,
            factor: fair.rules.factor,
            window_days: i64::from(fair.rules.window_days),
            min_cohort: i64::from(fair.rules.min_cohort),
            days: chart_days,
            current_run: i64::from(finding.current_run),
        })
    }

    /// The day the daily run judges at `now`: yesterday once the policy's run time has passed
    /// today, the day before yesterday until then.
    fn day_due(&self, now: Timestamp) -> Date {
        let policy = self.policies.base();
        let local = now.to_zoned_datetime(policy.availability.time_zone.clone());
        let back = if local.time() >= policy.fair_use.run_at {
            1
        } else {
            2
        };
        days_before(local.date(), back)
    }

    /// The daily run, once a day whatever the replicas: judges the day due, if nobody has.
    /// Returns the number of values judged, `None` when there was nothing to do.
    pub async fn run_fair_use_if_due(&self) -> Result<Option<usize>, DeskError> {
        let now = self.clock.now();
        let day = self.day_due(now);
        {
            let mut conn = self.store.read().await?;
            if store::run_taken(&mut conn, day_number(day), now.as_second()).await? {
                return Ok(None);
            }
        }
        {
            let mut tx = self.store.write().await?;
            let claimed = store::claim_run(
                &mut tx,
                day_number(day),
                now.as_second() + RUN_LEASE_SECONDS,
                now.as_second(),
            )
            .await?;
            tx.commit().await?;
            if !claimed {
                return Ok(None);
            }
        }
        self.judge(day).await.map(Some)
    }

    /// Judges the day due again, now (after late values): SaaS team and admins.
    pub async fn rerun_fair_use(&self, actor: &Actor) -> Result<FairUseOverview, DeskError> {
        require_operator(actor)?;
        let now = self.clock.now();
        let day = self.day_due(now);
        let mut tx = self.store.write().await?;
        store::forget_run(&mut tx, day_number(day)).await?;
        let claimed = store::claim_run(
            &mut tx,
            day_number(day),
            now.as_second() + RUN_LEASE_SECONDS,
            now.as_second(),
        )
        .await?;
        audit::record(
            &mut tx,
            now.as_second(),
            actor.id(),
            actor.token_id,
            "fair_use.run",
            "fair_use",
            &json!({"day": day.to_string()}),
        )
        .await?;
        tx.commit().await?;
        if claimed {
            self.judge(day).await?;
        }
        self.fair_use_overview(actor).await
    }

    /// Judges every tenant's every measure on `day` (F1). Only tenants over the line that day
    /// are followed back, up to the window, to find their unbroken run: the run's length is
    /// what matters, and a tenant under the line has none.
    async fn judge(&self, day: Date) -> Result<usize, DeskError> {
        let policy = self.policies.base();
        let fair = &policy.fair_use;
        let window = i64::from(fair.rules.window_days);
        let n = day_number(day);
        let (values, previous) = {
            let mut conn = self.store.read().await?;
            (
                store::day_values(&mut conn, n).await?,
                store::excessive_since(&mut conn).await?,
            )
        };
        let judge = |v: &store::Judged| {
            rules::judge_day(
                Some(v.own as f64),
                v.total as f64,
                u32::try_from(v.members).unwrap_or(u32::MAX),
                &fair.rules,
            )
        };
        let mut over: HashMap<(i64, String), Vec<(Date, Day)>> = HashMap::new();
        for v in &values {
            let verdict = judge(v);
            if verdict.is_over() {
                over.insert((v.component_id, v.measure.clone()), vec![(day, verdict)]);
            }
        }
        let mut ids: Vec<i64> = over.keys().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        if window > 1 && !ids.is_empty() {
            let from = day_number(days_before(day, window - 1));
            let to = day_number(days_before(day, 1));
            let mut conn = self.store.read().await?;
            for v in store::values_of(&mut conn, &ids, from, to).await? {
                if let (Some(days), Some(date)) = (
                    over.get_mut(&(v.component_id, v.measure.clone())),
                    day_date(v.day),
                ) {
                    days.push((date, judge(&v)));
                }
            }
        }
        let mut findings = Vec::new();
        for ((component_id, measure), mut days) in over {
            days.sort_by_key(|(d, _)| *d);
            let found = rules::detect(&days, &fair.rules);
            let Some(Day::Over {
                own,
                cohort_average,
                cohort_size,
            }) = days.last().map(|(_, d)| *d)
            else {
                continue;
            };
            let run_from = found.current_run_from.map_or(n, day_number);
            let excessive_since = (i64::from(found.current_run) >= window).then(|| {
                previous
                    .get(&(component_id, measure.clone()))
                    .copied()
                    .filter(|since| *since >= run_from)
                    .unwrap_or(n)
            });
            findings.push(NewFinding {
                component_id,
                measure,
                day: n,
                current_run: i64::from(found.current_run),
                run_from,
                own,
                cohort_average,
                cohort_size: i64::from(cohort_size),
                excessive_since,
            });
        }
        findings.sort_by(|a, b| (a.component_id, &a.measure).cmp(&(b.component_id, &b.measure)));
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        store::replace_findings(&mut tx, &findings).await?;
        store::finish_run(&mut tx, n, now, values.len() as i64, findings.len() as i64).await?;
        tx.commit().await?;
        Ok(values.len())
    }

    /// The staff overview: the last run, who is over the line, small cohorts, the cases.
    pub async fn fair_use_overview(&self, actor: &Actor) -> Result<FairUseOverview, DeskError> {
        super::availability::require_staff(actor)?;
        let policy = self.policies.base();
        let fair = &policy.fair_use;
        let window = i64::from(fair.rules.window_days);
        let mut conn = self.store.read().await?;
        let last = store::last_run(&mut conn).await?;
        let findings = store::findings(&mut conn, None, None, window).await?;
        let small_cohorts = match last {
            Some((day, ..)) => store::cohorts_on(&mut conn, day)
                .await?
                .into_iter()
                .filter(|(_, _, members)| members - 1 < i64::from(fair.rules.min_cohort))
                .map(|(cohort, measure, tenants)| SmallCohort {
                    cohort,
                    measure,
                    tenants,
                })
                .collect(),
            None => Vec::new(),
        };
        let cases = store::cases(&mut conn, None, None, 200).await?;
        Ok(FairUseOverview {
            judged_day: last
                .and_then(|(day, ..)| day_date(day))
                .map(|d| d.to_string()),
            judged_at: last.map(|(_, at, ..)| at),
            values_judged: last.map_or(0, |(_, _, judged, _)| judged),
            window_days: window,
            factor: fair.rules.factor,
            findings,
            small_cohorts,
            cases,
        })
    }

    /// The tenants `actor` may see (a customer: its organisation's).
    pub async fn usage_tenants(&self, actor: &Actor) -> Result<Vec<Tenant>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(store::all_tenants(&mut conn, actor.own_organization()).await?)
    }

    /// Cases `actor` may see, newest first; one tenant's when asked.
    pub async fn fair_use_cases(
        &self,
        actor: &Actor,
        component_id: Option<i64>,
    ) -> Result<Vec<FairUseCase>, DeskError> {
        let mut conn = self.store.read().await?;
        if let Some(id) = component_id {
            self.visible_tenant(&mut conn, actor, id).await?;
        }
        Ok(store::cases(&mut conn, actor.own_organization(), component_id, 200).await?)
    }

    /// One case with its steps (a customer: its own only).
    pub async fn fair_use_case(&self, actor: &Actor, id: i64) -> Result<FairUseCase, DeskError> {
        let mut conn = self.store.read().await?;
        store::case_by_id(&mut conn, id)
            .await?
            .filter(|c| actor.sees_organization(c.organization_id))
            .ok_or(DeskError::NotFound(Thing::FairUseCase))
    }

    /// Opens a case (F2): tells the customer, with the numbers, and starts the grace period;
    /// or, for acute disruption, records the limit in force at once.
    pub async fn open_fair_use_case(
        &self,
        actor: &Actor,
        new: NewCase,
    ) -> Result<FairUseCase, DeskError> {
        require_operator(actor)?;
        let reason = text(Field::Reason, &new.reason, 5_000)?;
        self.check_measure(1, &new.measure)?;
        let policy = self.policies.base();
        let fair = &policy.fair_use;
        let window = i64::from(fair.rules.window_days);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let tenant = self
            .visible_tenant(&mut tx, actor, new.component_id)
            .await?;
        if let Some(open) = store::cases(&mut tx, None, Some(tenant.component_id), 50)
            .await?
            .into_iter()
            .find(|c| c.measure == new.measure && c.state != CaseState::Decided)
        {
            return Err(Refusal::CaseOpen { id: open.id }.into());
        }
        let finding = store::findings(&mut tx, None, Some(tenant.component_id), window)
            .await?
            .into_iter()
            .find(|f| f.measure == new.measure);
        if !new.acute && !finding.as_ref().is_some_and(|f| f.excessive) {
            return Err(Refusal::NotExcessive {
                run: finding.map_or(0, |f| f.current_run),
                window,
            }
            .into());
        }
        let figures = match &finding {
            Some(f) => CaseFigures {
                day: f.day.clone(),
                current_run: f.current_run,
                run_from: Some(f.run_from.clone()),
                own: f.own,
                cohort_average: f.cohort_average,
                cohort_size: f.cohort_size,
                factor: fair.rules.factor,
                window_days: window,
            },
            // Acute disruption without a finding: yesterday's numbers as they are.
            None => {
                let last = days_before(self.policy_today(), 1);
                let first = days_before(last, window - 1);
                let chart = self
                    .chart(&mut tx, &tenant, &new.measure, first, last)
                    .await?;
                let d = chart.days.last();
                CaseFigures {
                    day: last.to_string(),
                    current_run: chart.current_run,
                    run_from: None,
                    own: d.and_then(|d| d.own).unwrap_or(0) as f64,
                    cohort_average: d.and_then(|d| d.cohort_average).unwrap_or(0.0),
                    cohort_size: d.map_or(0, |d| d.cohort_size),
                    factor: fair.rules.factor,
                    window_days: window,
                }
            }
        };
        let grace = SignedDuration::from_hours(24 * i64::from(fair.grace_days));
        let at = now.as_second();
        let mut case = FairUseCase {
            id: 0,
            component_id: tenant.component_id,
            organization_id: tenant.organization_id,
            measure: new.measure.clone(),
            state: if new.acute {
                CaseState::Decided
            } else {
                CaseState::Grace
            },
            acute: new.acute,
            reason: reason.clone(),
            figures: figures.clone(),
            opened_at: at,
            opened_by: actor.id(),
            grace_until: if new.acute {
                at
            } else {
                now.checked_add(grace).unwrap_or(now).as_second()
            },
            rechecked_at: None,
            recheck_over: None,
            decision: new.acute.then_some(Decision::TemporaryLimit),
            decision_reason: new.acute.then(|| reason.clone()),
            decided_at: new.acute.then_some(at),
            decided_by: if new.acute { actor.id() } else { None },
            steps: Vec::new(),
        };
        case.id = store::insert_case(&mut tx, &case).await?;
        let step = CaseStep {
            at,
            by: actor.id(),
            kind: if new.acute {
                StepKind::AcuteMeasure
            } else {
                StepKind::Opened
            },
            text: reason,
            figures: Some(figures),
        };
        store::insert_step(&mut tx, case.id, &step).await?;
        case.steps.push(step);
        let until = self.day_text_until(case.grace_until);
        self.mail_customers(&mut tx, tenant.organization_id, |language| {
            notify::fair_use_opened(&case, &tenant.name, &until, language, &self.public_url)
        })
        .await?;
        audit::record(
            &mut tx,
            at,
            actor.id(),
            actor.token_id,
            "fair_use.open",
            &format!("fair_use_case:{}", case.id),
            &json!({"component_id": case.component_id, "measure": case.measure, "acute": case.acute}),
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Re-checks the cases whose grace period has ended (F2): the last day of the period is
    /// judged again, the customer and the SaaS team are told, and the team decides. Each case
    /// once, whatever the replicas. Returns how many were re-checked.
    pub async fn recheck_fair_use_cases(&self) -> Result<usize, DeskError> {
        let now = self.clock.now();
        let due = {
            let mut conn = self.store.read().await?;
            store::due_rechecks(&mut conn, now.as_second()).await?
        };
        let mut done = 0;
        for id in due {
            let mut tx = self.store.write().await?;
            let Some(mut case) = store::case_by_id(&mut tx, id).await? else {
                continue;
            };
            if case.state != CaseState::Grace {
                continue;
            }
            let tenant = store::tenants(&mut tx, &[case.component_id])
                .await?
                .remove(&case.component_id)
                .ok_or(DeskError::NotFound(Thing::Component))?;
            let tz = self.policies.base().availability.time_zone.clone();
            let last = days_before(
                Timestamp::from_second(case.grace_until)
                    .unwrap_or(now)
                    .to_zoned_datetime(tz)
                    .date(),
                1,
            );
            // The window up to that day, so the step tells the run too.
            let window = i64::from(self.policies.base().fair_use.rules.window_days);
            let first = days_before(last, window - 1);
            let chart = self
                .chart(&mut tx, &tenant, &case.measure, first, last)
                .await?;
            let Some(day) = chart.days.last() else {
                continue;
            };
            let over = day.verdict == "over";
            let figures = CaseFigures {
                day: day.day.clone(),
                current_run: chart.current_run,
                run_from: None,
                own: day.own.unwrap_or(0) as f64,
                cohort_average: day.cohort_average.unwrap_or(0.0),
                cohort_size: day.cohort_size,
                factor: chart.factor,
                window_days: chart.window_days,
            };
            case.state = CaseState::AwaitingDecision;
            case.rechecked_at = Some(now.as_second());
            case.recheck_over = Some(over);
            if !store::update_case(&mut tx, &case, CaseState::Grace).await? {
                continue;
            }
            let step = CaseStep {
                at: now.as_second(),
                by: None,
                kind: StepKind::Rechecked,
                text: String::new(),
                figures: Some(figures),
            };
            store::insert_step(&mut tx, case.id, &step).await?;
            case.steps.push(step);
            self.mail_customers(&mut tx, case.organization_id, |language| {
                notify::fair_use_rechecked(&case, &tenant.name, language, &self.public_url)
            })
            .await?;
            for person in accounts::staff_with_role(&mut tx, Role::SaasTeam).await? {
                let mail = notify::fair_use_rechecked(
                    &case,
                    &tenant.name,
                    person.language,
                    &self.public_url,
                );
                outbox::enqueue(
                    &mut tx,
                    &person.email,
                    &mail.subject,
                    &mail.body,
                    None,
                    now.as_second(),
                )
                .await?;
            }
            audit::record(
                &mut tx,
                now.as_second(),
                None,
                None,
                "fair_use.recheck",
                &format!("fair_use_case:{}", case.id),
                &json!({"over": over, "day": last.to_string()}),
            )
            .await?;
            tx.commit().await?;
            done += 1;
        }
        Ok(done)
    }

    /// Records the SaaS team's decision (F2). A measure needs the grace period to have passed
    /// and the re-check to have found the use still over the line; "normalised" and "waived"
    /// may close a case at any time.
    pub async fn decide_fair_use_case(
        &self,
        actor: &Actor,
        id: i64,
        decision: CaseDecision,
    ) -> Result<FairUseCase, DeskError> {
        require_operator(actor)?;
        let reason = text(Field::Reason, &decision.reason, 5_000)?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let mut case = store::case_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::FairUseCase))?;
        let was = case.state;
        match (was, decision.decision.is_measure(), case.recheck_over) {
            (CaseState::Decided, ..) => return Err(Refusal::CaseDecided.into()),
            (CaseState::Grace, true, _) => {
                return Err(Refusal::GraceRunning {
                    until: self.day_text_until(case.grace_until),
                }
                .into());
            }
            (CaseState::AwaitingDecision, true, Some(false)) => {
                return Err(Refusal::UseNormalised.into());
            }
            _ => {}
        }
        case.state = CaseState::Decided;
        case.decision = Some(decision.decision);
        case.decision_reason = Some(reason.clone());
        case.decided_at = Some(now);
        case.decided_by = actor.id();
        if !store::update_case(&mut tx, &case, was).await? {
            return Err(Refusal::CaseDecided.into());
        }
        let step = CaseStep {
            at: now,
            by: actor.id(),
            kind: StepKind::Decided,
            text: reason,
            figures: None,
        };
        store::insert_step(&mut tx, case.id, &step).await?;
        case.steps.push(step);
        let tenant = store::tenants(&mut tx, &[case.component_id])
            .await?
            .remove(&case.component_id)
            .map_or_else(|| case.component_id.to_string(), |t| t.name);
        self.mail_customers(&mut tx, case.organization_id, |language| {
            notify::fair_use_decided(&case, &tenant, language, &self.public_url)
        })
        .await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "fair_use.decide",
            &format!("fair_use_case:{}", case.id),
            &json!({"decision": decision.decision.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// Mails every active person of a customer organisation, each in their language.
    async fn mail_customers(
        &self,
        conn: &mut Conn,
        organization_id: i64,
        write: impl Fn(sladesk_core::text::Language) -> notify::Mail,
    ) -> Result<(), DeskError> {
        let now = self.clock.now().as_second();
        let mut after = 0;
        loop {
            let people = accounts::list_users(conn, Some(organization_id), after, 500).await?;
            let Some(last) = people.last() else { break };
            after = last.id;
            for person in people
                .iter()
                .filter(|p| p.disabled_at.is_none() && p.role == Role::Customer)
            {
                let mail = write(person.language);
                outbox::enqueue(conn, &person.email, &mail.subject, &mail.body, None, now).await?;
            }
        }
        Ok(())
    }
}
