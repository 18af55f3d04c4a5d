//! Fair use (F1, F2): rows of `usage_days` with their revisions and the cohort totals kept with
//! them, the daily run's claim and findings, and the cases with their steps.
//!
//! Values are written in multi-row statements (a day of ten thousand tenants is a few dozen
//! statements, not sixty thousand), and cohort totals in key order, so that two replicas
//! adding to the same totals take their row locks in the same order. The SQL put together
//! here only ever adds numbered placeholders (`$1, $2, …`) and fixed text: every value is bound.

use std::collections::HashMap;

use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::fairuse::{
    CaseFigures, CaseState, CaseStep, Decision, FairUseCase, Finding, StepKind, day_date,
};

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's limits on parameters.
const CHUNK: usize = 500;

fn corrupt(what: &str, word: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{word}`"))
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `cols` parameters, from `$first`.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$1, $2, …` for an `IN` list.
fn list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn date_text(day: i64) -> String {
    day_date(day).map_or_else(|| day.to_string(), |d| d.to_string())
}

/// A customer instance whose use is measured: a component with an organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub component_id: i64,
    pub name: String,
    pub organization_id: i64,
    pub organization: String,
    pub tier: String,
    pub size_class: Option<String>,
}

fn tenant(row: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        component_id: col(row, "id")?,
        name: col(row, "name")?,
        organization_id: col(row, "organization_id")?,
        organization: col(row, "organization")?,
        tier: col(row, "tier")?,
        size_class: col(row, "size_class")?,
    })
}

const TENANT_SQL: &str =
    "SELECT c.id, c.name, c.organization_id, o.name AS organization, o.tier, o.size_class
     FROM components c JOIN organizations o ON o.id = c.organization_id";

/// The tenants among `ids` (components without an organisation are no tenants).
pub async fn tenants(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, Tenant>, StoreError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!("{TENANT_SQL} WHERE c.id IN ({})", list(chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let t = tenant(&row)?;
            found.insert(t.component_id, t);
        }
    }
    Ok(found)
}

/// Every tenant, or an organisation's, by name.
pub async fn all_tenants(
    conn: &mut Conn,
    organization: Option<i64>,
) -> Result<Vec<Tenant>, StoreError> {
    let sql = format!(
        "{TENANT_SQL} WHERE ($1 = 0 OR c.organization_id = $2) ORDER BY o.name, c.name, c.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(organization.is_some()))
        .bind(organization.unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(tenant).collect()
}

/// On PostgreSQL, intake of one day waits for another replica's intake of the same day, so
/// that two of them never count one tenant's first value twice in its cohort's total. SQLite's
/// write transaction already holds the one write lock.
pub async fn lock_day(conn: &mut Conn, day: i64) -> Result<(), StoreError> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(1717, CAST($1 AS INTEGER))")
            .bind(day)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A value already recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub value: i64,
    pub cohort: String,
}

/// What is recorded for `day` of the tenants `ids`, by tenant and measure.
pub async fn stored_values(
    conn: &mut Conn,
    day: i64,
    ids: &[i64],
) -> Result<HashMap<(i64, String), Stored>, StoreError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT component_id, measure, value, cohort FROM usage_days
             WHERE day = $1 AND component_id IN ({})",
            (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(day);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(
                (col(&row, "component_id")?, col(&row, "measure")?),
                Stored {
                    value: col(&row, "value")?,
                    cohort: col(&row, "cohort")?,
                },
            );
        }
    }
    Ok(found)
}

/// A value to record (or to record again).
#[derive(Debug, Clone, PartialEq)]
pub struct NewValue {
    pub component_id: i64,
    pub measure: String,
    pub day: i64,
    pub value: i64,
    pub cohort: String,
}

/// Records values; one already recorded for the tenant, measure and day is replaced.
pub async fn write_values(
    conn: &mut Conn,
    values: &[NewValue],
    now: i64,
) -> Result<(), StoreError> {
    for chunk in values.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO usage_days (component_id, measure, day, value, cohort, recorded_at) VALUES {}
             ON CONFLICT (component_id, measure, day) DO UPDATE SET value = excluded.value,
             cohort = excluded.cohort, recorded_at = excluded.recorded_at",
            placeholders(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            query = query
                .bind(v.component_id)
                .bind(&v.measure)
                .bind(v.day)
                .bind(v.value)
                .bind(&v.cohort)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Changes to cohort totals: `(cohort, measure, day) → (total, members)` to add.
pub type CohortDeltas = std::collections::BTreeMap<(String, String, i64), (i64, i64)>;

/// Adds to the cohort totals, in key order (the map's).
pub async fn add_to_cohorts(conn: &mut Conn, deltas: &CohortDeltas) -> Result<(), StoreError> {
    let rows: Vec<_> = deltas.iter().filter(|(_, d)| **d != (0, 0)).collect();
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO usage_cohort_days (cohort, measure, day, total, members) VALUES {}
             ON CONFLICT (cohort, measure, day) DO UPDATE SET
             total = usage_cohort_days.total + excluded.total,
             members = usage_cohort_days.members + excluded.members",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((cohort, measure, day), (total, members)) in chunk {
            query = query
                .bind(cohort)
                .bind(measure)
                .bind(*day)
                .bind(*total)
                .bind(*members);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A value replaced by a different one: `(tenant, measure, day, old, new)`.
pub type Revision = (i64, String, i64, i64, i64);

pub async fn record_revisions(
    conn: &mut Conn,
    revisions: &[Revision],
    now: i64,
    by: Option<i64>,
) -> Result<(), StoreError> {
    for chunk in revisions.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO usage_revisions (component_id, measure, day, old_value, new_value, at, by_user) VALUES {}",
            placeholders(chunk.len(), 7)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (component, measure, day, old, new) in chunk {
            query = query
                .bind(*component)
                .bind(measure)
                .bind(*day)
                .bind(*old)
                .bind(*new)
                .bind(now)
                .bind(by);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many values of a tenant were replaced by later ones.
pub async fn revision_count(conn: &mut Conn, component_id: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_revisions WHERE component_id = $1")
            .bind(component_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// One tenant's value of a measure on a day, with the total and count of its cohort that day
/// (its own value included).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub component_id: i64,
    pub measure: String,
    pub day: i64,
    pub own: i64,
    pub total: i64,
    pub members: i64,
}

fn judged(row: &AnyRow) -> Result<Judged, StoreError> {
    Ok(Judged {
        component_id: col(row, "component_id")?,
        measure: col(row, "measure")?,
        day: col(row, "day")?,
        own: col(row, "value")?,
        total: col(row, "total")?,
        members: col(row, "members")?,
    })
}

const JUDGED_SQL: &str = "SELECT u.component_id, u.measure, u.day, u.value, a.total, a.members
     FROM usage_days u JOIN usage_cohort_days a
       ON a.cohort = u.cohort AND a.measure = u.measure AND a.day = u.day";

/// Every value of `day`, each with its cohort's total.
pub async fn day_values(conn: &mut Conn, day: i64) -> Result<Vec<Judged>, StoreError> {
    let sql = format!("{JUDGED_SQL} WHERE u.day = $1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(day)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(judged).collect()
}

/// The values of the tenants `ids` from `from` to `to` (days, included).
pub async fn values_of(
    conn: &mut Conn,
    ids: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<Judged>, StoreError> {
    let mut all = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "{JUDGED_SQL} WHERE u.day >= $1 AND u.day <= $2 AND u.component_id IN ({})",
            (3..chunk.len() + 3)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            all.push(judged(&row)?);
        }
    }
    Ok(all)
}

/// A tenant's own values of one measure in `[from, to]`: `day → (value, cohort)`.
pub async fn own_values(
    conn: &mut Conn,
    component_id: i64,
    measure: &str,
    from: i64,
    to: i64,
) -> Result<HashMap<i64, Stored>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, value, cohort FROM usage_days
         WHERE component_id = $1 AND measure = $2 AND day >= $3 AND day <= $4",
    )
    .bind(component_id)
    .bind(measure)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                col(row, "day")?,
                Stored {
                    value: col(row, "value")?,
                    cohort: col(row, "cohort")?,
                },
            ))
        })
        .collect()
}

/// The totals of `cohorts` for one measure in `[from, to]`: `(cohort, day) → (total, members)`.
pub async fn cohort_totals(
    conn: &mut Conn,
    cohorts: &[String],
    measure: &str,
    from: i64,
    to: i64,
) -> Result<HashMap<(String, i64), (i64, i64)>, StoreError> {
    let mut found = HashMap::new();
    for cohort in cohorts {
        let rows = sqlx::query(
            "SELECT day, total, members FROM usage_cohort_days
             WHERE cohort = $1 AND measure = $2 AND day >= $3 AND day <= $4",
        )
        .bind(cohort)
        .bind(measure)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            found.insert(
                (cohort.clone(), col(&row, "day")?),
                (col(&row, "total")?, col(&row, "members")?),
            );
        }
    }
    Ok(found)
}

/// Cohorts with their number of tenants on `day`, per measure: `(cohort, measure, members)`.
pub async fn cohorts_on(
    conn: &mut Conn,
    day: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT cohort, measure, members FROM usage_cohort_days WHERE day = $1 AND members > 0
         ORDER BY cohort, measure",
    )
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "cohort")?, col(r, "measure")?, col(r, "members")?)))
        .collect()
}

/// Claims the daily run of `day` until `lease_until`: true when this replica runs it (nobody
/// did, or one that did died before finishing and its lease ran out).
pub async fn claim_run(
    conn: &mut Conn,
    day: i64,
    lease_until: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let claimed = sqlx::query(
        "INSERT INTO fair_use_runs (day, lease_until) VALUES ($1, $2)
         ON CONFLICT (day) DO UPDATE SET lease_until = excluded.lease_until
         WHERE fair_use_runs.finished_at IS NULL AND fair_use_runs.lease_until < $3",
    )
    .bind(day)
    .bind(lease_until)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Whether the run of `day` is finished or claimed by a replica until after `now`: then there
/// is nothing to claim (read first, so replicas do not write every round).
pub async fn run_taken(conn: &mut Conn, day: i64, now: i64) -> Result<bool, StoreError> {
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM fair_use_runs WHERE day = $1 AND (finished_at IS NOT NULL OR lease_until >= $2)",
    )
    .bind(day)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken.is_some())
}

/// Lets a judged day be judged again (staff asked, after late values).
pub async fn forget_run(conn: &mut Conn, day: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM fair_use_runs WHERE day = $1 AND finished_at IS NOT NULL")
        .bind(day)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn finish_run(
    conn: &mut Conn,
    day: i64,
    now: i64,
    judged: i64,
    over: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE fair_use_runs SET finished_at = $1, judged = $2, over_line = $3 WHERE day = $4",
    )
    .bind(now)
    .bind(judged)
    .bind(over)
    .bind(day)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest finished run: `(day, finished_at, judged, over)`.
pub async fn last_run(conn: &mut Conn) -> Result<Option<(i64, i64, i64, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT day, finished_at, judged, over_line FROM fair_use_runs
         WHERE finished_at IS NOT NULL ORDER BY day DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok((
            col(&r, "day")?,
            col(&r, "finished_at")?,
            col(&r, "judged")?,
            col(&r, "over_line")?,
        ))
    })
    .transpose()
}

/// A finding to keep: the tenant, the measure, and the numbers of the judged day.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    pub component_id: i64,
    pub measure: String,
    pub day: i64,
    pub current_run: i64,
    pub run_from: i64,
    pub own: f64,
    pub cohort_average: f64,
    pub cohort_size: i64,
    pub excessive_since: Option<i64>,
}

/// When each tenant and measure became excessive in its current run, as the last run found.
pub async fn excessive_since(conn: &mut Conn) -> Result<HashMap<(i64, String), i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT component_id, measure, excessive_since FROM fair_use_findings
         WHERE excessive_since IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                (col(r, "component_id")?, col(r, "measure")?),
                col(r, "excessive_since")?,
            ))
        })
        .collect()
}

/// The findings of a run replace the last run's.
pub async fn replace_findings(conn: &mut Conn, findings: &[NewFinding]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM fair_use_findings")
        .execute(&mut *conn)
        .await?;
    for chunk in findings.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO fair_use_findings (component_id, measure, day, current_run, run_from, own,
             cohort_average, cohort_size, excessive_since) VALUES {}",
            placeholders(chunk.len(), 9)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for f in chunk {
            query = query
                .bind(f.component_id)
                .bind(&f.measure)
                .bind(f.day)
                .bind(f.current_run)
                .bind(f.run_from)
                .bind(f.own)
                .bind(f.cohort_average)
                .bind(f.cohort_size)
                .bind(f.excessive_since);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The findings of the last run, longest runs first; one organisation's or one tenant's when
/// asked.
pub async fn findings(
    conn: &mut Conn,
    organization: Option<i64>,
    component: Option<i64>,
    window_days: i64,
) -> Result<Vec<Finding>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.*, c.name AS component, c.organization_id, o.name AS organization,
                (SELECT k.id FROM fair_use_cases k WHERE k.component_id = f.component_id
                   AND k.measure = f.measure AND k.state <> 'decided') AS open_case_id
         FROM fair_use_findings f JOIN components c ON c.id = f.component_id
         JOIN organizations o ON o.id = c.organization_id
         WHERE ($1 = 0 OR c.organization_id = $2) AND ($3 = 0 OR f.component_id = $4)
         ORDER BY f.current_run DESC, o.name, c.name, f.measure",
    )
    .bind(i64::from(organization.is_some()))
    .bind(organization.unwrap_or(0))
    .bind(i64::from(component.is_some()))
    .bind(component.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let current_run: i64 = col(r, "current_run")?;
            Ok(Finding {
                component_id: col(r, "component_id")?,
                component: col(r, "component")?,
                organization_id: col(r, "organization_id")?,
                organization: col(r, "organization")?,
                measure: col(r, "measure")?,
                day: date_text(col(r, "day")?),
                current_run,
                run_from: date_text(col(r, "run_from")?),
                own: col(r, "own")?,
                cohort_average: col(r, "cohort_average")?,
                cohort_size: col(r, "cohort_size")?,
                excessive: current_run >= window_days,
                excessive_since: col::<Option<i64>>(r, "excessive_since")?.map(date_text),
                open_case_id: col(r, "open_case_id")?,
            })
        })
        .collect()
}

fn figures(json: &str) -> Result<CaseFigures, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("case figures: {e}")))
}

fn case(row: &AnyRow) -> Result<FairUseCase, StoreError> {
    let state: String = col(row, "state")?;
    let decision: Option<String> = col(row, "decision")?;
    Ok(FairUseCase {
        id: col(row, "id")?,
        component_id: col(row, "component_id")?,
        organization_id: col(row, "organization_id")?,
        measure: col(row, "measure")?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", &state))?,
        acute: col::<i64>(row, "acute")? != 0,
        reason: col(row, "reason")?,
        figures: figures(&col::<String>(row, "figures")?)?,
        opened_at: col(row, "opened_at")?,
        opened_by: col(row, "opened_by")?,
        grace_until: col(row, "grace_until")?,
        rechecked_at: col(row, "rechecked_at")?,
        recheck_over: col::<Option<i64>>(row, "recheck_over")?.map(|v| v != 0),
        decision: decision
            .map(|d| Decision::parse(&d).ok_or_else(|| corrupt("case decision", &d)))
            .transpose()?,
        decision_reason: col(row, "decision_reason")?,
        decided_at: col(row, "decided_at")?,
        decided_by: col(row, "decided_by")?,
        steps: Vec::new(),
    })
}

fn figures_json(f: &CaseFigures) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| "{}".into())
}

pub async fn insert_case(conn: &mut Conn, c: &FairUseCase) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO fair_use_cases (component_id, organization_id, measure, state, acute, reason,
         figures, opened_at, opened_by, grace_until, decision, decision_reason, decided_at, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(c.component_id)
    .bind(c.organization_id)
    .bind(&c.measure)
    .bind(c.state.as_str())
    .bind(i64::from(c.acute))
    .bind(&c.reason)
    .bind(figures_json(&c.figures))
    .bind(c.opened_at)
    .bind(c.opened_by)
    .bind(c.grace_until)
    .bind(c.decision.map(Decision::as_str))
    .bind(&c.decision_reason)
    .bind(c.decided_at)
    .bind(c.decided_by)
    .fetch_one(&mut *conn)
    .await?)
}

/// Writes a case's state, re-check and decision, if it is still in state `was`: false when
/// another replica or person moved it first.
pub async fn update_case(
    conn: &mut Conn,
    c: &FairUseCase,
    was: CaseState,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE fair_use_cases SET state = $1, rechecked_at = $2, recheck_over = $3, decision = $4,
         decision_reason = $5, decided_at = $6, decided_by = $7 WHERE id = $8 AND state = $9",
    )
    .bind(c.state.as_str())
    .bind(c.rechecked_at)
    .bind(c.recheck_over.map(i64::from))
    .bind(c.decision.map(Decision::as_str))
    .bind(&c.decision_reason)
    .bind(c.decided_at)
    .bind(c.decided_by)
    .bind(c.id)
    .bind(was.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_step(conn: &mut Conn, case_id: i64, step: &CaseStep) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO fair_use_steps (case_id, at, by_user, kind, text, figures) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id)
    .bind(step.at)
    .bind(step.by)
    .bind(step.kind.as_str())
    .bind(&step.text)
    .bind(step.figures.as_ref().map(figures_json))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn steps(conn: &mut Conn, case_id: i64) -> Result<Vec<CaseStep>, StoreError> {
    let rows = sqlx::query("SELECT * FROM fair_use_steps WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = col(r, "kind")?;
            Ok(CaseStep {
                at: col(r, "at")?,
                by: col(r, "by_user")?,
                kind: StepKind::parse(&kind).ok_or_else(|| corrupt("case step", &kind))?,
                text: col(r, "text")?,
                figures: col::<Option<String>>(r, "figures")?
                    .map(|f| figures(&f))
                    .transpose()?,
            })
        })
        .collect()
}

/// A case with its steps.
pub async fn case_by_id(conn: &mut Conn, id: i64) -> Result<Option<FairUseCase>, StoreError> {
    let row = sqlx::query("SELECT * FROM fair_use_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut c = case(&row)?;
    c.steps = steps(conn, id).await?;
    Ok(Some(c))
}

/// Cases, newest first (without their steps): an organisation's or a tenant's when asked.
pub async fn cases(
    conn: &mut Conn,
    organization: Option<i64>,
    component: Option<i64>,
    limit: i64,
) -> Result<Vec<FairUseCase>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM fair_use_cases WHERE ($1 = 0 OR organization_id = $2)
         AND ($3 = 0 OR component_id = $4) ORDER BY id DESC LIMIT $5",
    )
    .bind(i64::from(organization.is_some()))
    .bind(organization.unwrap_or(0))
    .bind(i64::from(component.is_some()))
    .bind(component.unwrap_or(0))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(case).collect()
}

/// The ids of cases whose grace period has ended by `now`, still waiting for their re-check.
pub async fn due_rechecks(conn: &mut Conn, now: i64) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM fair_use_cases WHERE state = 'grace' AND grace_until <= $1 ORDER BY id LIMIT 100",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}
