//! The counting of a report (S3): the running tallies of the tickets' outcomes (table
//! `report_tallies`, kept by triggers in the transaction of every change; see migration 0015),
//! the unanswered tickets counted from the tickets themselves because they are judged at the
//! moment a report is made, the breaches of a period, and the rewriting of the outcomes for
//! `sladesk report rebuild`, which also recounts the tallies from scratch.

use sqlx::Row;

use super::{TICKET_COLUMNS, ticket};
use crate::domain::tickets::{SlaOutcome, Ticket};
use crate::store::accounts::parse_word;
use crate::store::{Conn, StoreError};
use sladesk_core::tickets::Priority;

/// Which tickets a report looks at: one organisation's, or the whole desk's. Confidential
/// vulnerability reports are in neither: they are not the customers' SLA tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Desk,
    Organization(i64),
}

impl Scope {
    /// The tallies' `scope_id`: the organisation, or 0 for the whole desk.
    fn id(self) -> i64 {
        match self {
            Scope::Desk => 0,
            Scope::Organization(id) => id,
        }
    }

    /// The condition on the tickets `t`, with the organisation as parameter `$n`.
    fn condition(self, n: usize) -> String {
        match self {
            // The parameter is bound all the same (to 0), so that the numbering never shifts.
            Scope::Desk => format!("t.confidential = 0 AND ${n} = 0"),
            Scope::Organization(_) => format!("t.confidential = 0 AND t.organization_id = ${n}"),
        }
    }
}

/// A business time of the tallies, in whole minutes (rounded up), with how many tickets took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeTally {
    pub priority: Priority,
    pub policy_version: String,
    pub minutes: i64,
    /// For resolutions, the line of the indicative table it fell within.
    pub band: i64,
    pub within_target: bool,
    pub tickets: u64,
}

/// Which business time a `TimeTally` is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Of the answered tickets, by the month filed.
    Reaction = 0,
    /// Of the closings that stand, by their month.
    Resolution = 1,
}

/// Tickets filed or closed in one month with the same priority and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTally {
    /// yyyymm
    pub month: i64,
    pub priority: Priority,
    pub policy_version: String,
    /// Filed that month (else closed that month, by the closing that stands).
    pub filed: bool,
    /// Filed and answered (else not answered yet); always false for closings.
    pub answered: bool,
    /// Answered within the reaction target, or closed within the resolution target.
    pub within_target: bool,
    pub tickets: u64,
}

fn count(row: &sqlx::any::AnyRow, name: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
}

/// The business times of `measure` in the months `first..=last` (yyyymm), summed over them.
pub async fn times(
    conn: &mut Conn,
    scope: Scope,
    measure: Measure,
    first: i64,
    last: i64,
) -> Result<Vec<TimeTally>, StoreError> {
    let rows = sqlx::query(
        "SELECT priority, policy_version, minutes, band, within, CAST(SUM(tickets) AS BIGINT) AS n
         FROM report_tallies
         WHERE scope_id = $1 AND measure = $2 AND month >= $3 AND month <= $4
         GROUP BY priority, policy_version, minutes, band, within
         HAVING SUM(tickets) <> 0",
    )
    .bind(scope.id())
    .bind(measure as i64)
    .bind(first)
    .bind(last)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TimeTally {
                priority: parse_word(&row.try_get::<String, _>("priority")?)?,
                policy_version: row.try_get("policy_version")?,
                minutes: row.try_get("minutes")?,
                band: row.try_get("band")?,
                within_target: row.try_get::<i64, _>("within")? != 0,
                tickets: count(row, "n")?,
            })
        })
        .collect()
}

/// Tickets filed and closed per month, every month up to `last` (yyyymm): a trend reads its
/// months from them, and what was open at a month's end is all filed minus all closed by then.
pub async fn months_until(
    conn: &mut Conn,
    scope: Scope,
    last: i64,
) -> Result<Vec<MonthTally>, StoreError> {
    let rows = sqlx::query(
        "SELECT month, measure, priority, policy_version, band, within, CAST(SUM(tickets) AS BIGINT) AS n
         FROM report_tallies
         WHERE scope_id = $1 AND measure IN (2, 3) AND month <= $2
         GROUP BY month, measure, priority, policy_version, band, within
         HAVING SUM(tickets) <> 0",
    )
    .bind(scope.id())
    .bind(last)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let filed = row.try_get::<i64, _>("measure")? == 2;
            Ok(MonthTally {
                month: row.try_get("month")?,
                priority: parse_word(&row.try_get::<String, _>("priority")?)?,
                policy_version: row.try_get("policy_version")?,
                filed,
                answered: filed && row.try_get::<i64, _>("band")? == 1,
                within_target: row.try_get::<i64, _>("within")? != 0,
                tickets: count(row, "n")?,
            })
        })
        .collect()
}

/// Tickets filed in `[from, to)` and not answered yet, by priority, version and month filed:
/// overdue (missed) when their reaction was due by `now`, else still within the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    pub priority: Priority,
    pub policy_version: String,
    pub month: i64,
    pub overdue: bool,
    pub tickets: u64,
}

pub async fn unanswered(
    conn: &mut Conn,
    scope: Scope,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<Unanswered>, StoreError> {
    let sql = format!(
        "SELECT t.priority, t.policy_version, COALESCE(t.filed_month, 0) AS month, \
           CASE WHEN t.reaction_due_at <= $3 THEN 1 ELSE 0 END AS overdue, COUNT(*) AS n \
         FROM tickets t \
         WHERE t.reaction_seconds IS NULL AND t.created_at >= $1 AND t.created_at < $2 AND {} \
         GROUP BY t.priority, t.policy_version, month, overdue",
        scope.condition(4)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(scope.id())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Unanswered {
                priority: parse_word(&row.try_get::<String, _>("priority")?)?,
                policy_version: row.try_get("policy_version")?,
                month: row.try_get("month")?,
                overdue: row.try_get::<i64, _>("overdue")? != 0,
                tickets: count(row, "n")?,
            })
        })
        .collect()
}

/// How a ticket broke a target of the period; a ticket that broke both targets is in two
/// lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BrokenTarget {
    /// Filed in the period and answered after the reaction target.
    ReactionLate,
    /// Filed in the period, not answered, and its reaction was due by the report's moment.
    NoReaction,
    /// Closed in the period (the closing that stands) after the resolution target.
    ResolutionLate,
    /// Still open with a breach in the period that is not one of the above.
    OpenOverdue,
}

impl BrokenTarget {
    pub const ALL: [BrokenTarget; 4] = [
        BrokenTarget::ReactionLate,
        BrokenTarget::NoReaction,
        BrokenTarget::ResolutionLate,
        BrokenTarget::OpenOverdue,
    ];

    /// The condition on `t` in `[$1, $2)` judged at `$3`, and the moment that places the
    /// breach in the period: each walks its own index in that order, so that the first
    /// breaches of a long period are found without reading all of it.
    fn condition(self, scope: Scope) -> (String, &'static str) {
        let scope = scope.condition(4);
        match self {
            BrokenTarget::ReactionLate => (
                format!(
                    "t.created_at >= $1 AND t.created_at < $2 AND $3 = $3 \
                     AND t.reaction_seconds > t.reaction_target_seconds AND {scope}"
                ),
                "t.created_at",
            ),
            BrokenTarget::NoReaction => (
                format!(
                    "t.reaction_seconds IS NULL AND t.created_at >= $1 AND t.created_at < $2 \
                     AND t.reaction_due_at <= $3 AND {scope}"
                ),
                "t.created_at",
            ),
            BrokenTarget::ResolutionLate => (
                format!(
                    "t.resolved_at >= $1 AND t.resolved_at < $2 AND $3 = $3 \
                     AND t.resolution_seconds > t.resolution_target_seconds AND {scope}"
                ),
                "t.resolved_at",
            ),
            // Not the ones already in as a reaction breach of the period.
            BrokenTarget::OpenOverdue => (
                format!(
                    "t.resolved_at IS NULL AND t.breached_at >= $1 AND t.breached_at < $2 \
                     AND t.breached_at <= $3 AND {scope} \
                     AND NOT (t.created_at >= $1 AND t.created_at < $2 \
                       AND (t.reaction_seconds > t.reaction_target_seconds \
                         OR (t.reaction_seconds IS NULL AND t.reaction_due_at <= $3)))"
                ),
                "t.breached_at",
            ),
        }
    }
}

/// What a line of the breach list shows of its ticket (a year's list of a large desk holds
/// hundreds of thousands: not whole tickets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenTicket {
    pub id: i64,
    pub organization_id: i64,
    pub priority: Priority,
    pub subject: String,
    pub reaction_seconds: Option<i64>,
    pub reaction_target_seconds: Option<i64>,
    pub reaction_due_at: Option<i64>,
    pub resolution_seconds: Option<i64>,
    pub resolution_target_seconds: Option<i64>,
    pub breached_at: Option<i64>,
}

fn broken_ticket(row: &sqlx::any::AnyRow) -> Result<BrokenTicket, StoreError> {
    Ok(BrokenTicket {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        priority: parse_word(&row.try_get::<String, _>("priority")?)?,
        subject: row.try_get("subject")?,
        reaction_seconds: row.try_get("reaction_seconds")?,
        reaction_target_seconds: row.try_get("reaction_target_seconds")?,
        reaction_due_at: row.try_get("reaction_due_at")?,
        resolution_seconds: row.try_get("resolution_seconds")?,
        resolution_target_seconds: row.try_get("resolution_target_seconds")?,
        breached_at: row.try_get("breached_at")?,
    })
}

/// The breaches of `[from, to)` judged at `now`, in the order they happened (each by the
/// moment that places it in the period): at most `limit` of them.
pub async fn breaches(
    conn: &mut Conn,
    scope: Scope,
    from: i64,
    to: i64,
    now: i64,
    limit: i64,
) -> Result<Vec<(BrokenTarget, BrokenTicket)>, StoreError> {
    // Read in pages along the index (after the last moment and id seen), so that a year's
    // list never holds more than a page of raw rows at once.
    const PAGE: i64 = 5_000;
    let mut found: Vec<(i64, BrokenTarget, BrokenTicket)> = Vec::new();
    for kind in BrokenTarget::ALL {
        let (condition, moment) = kind.condition(scope);
        let sql = format!(
            "SELECT t.id, t.organization_id, t.priority, t.subject, t.reaction_seconds, \
               t.reaction_target_seconds, t.reaction_due_at, t.resolution_seconds, \
               t.resolution_target_seconds, t.breached_at, {moment} AS moment \
             FROM tickets t WHERE {condition} AND {moment} >= $5 \
               AND ({moment} > $5 OR t.id > $6) \
             ORDER BY {moment}, t.id LIMIT $7"
        );
        let (mut after, mut taken) = ((i64::MIN, i64::MIN), 0);
        while taken < limit {
            let page = PAGE.min(limit - taken);
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(from)
                .bind(to)
                .bind(now)
                .bind(scope.id())
                .bind(after.0)
                .bind(after.1)
                .bind(page)
                .fetch_all(&mut *conn)
                .await?;
            let read = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            for row in rows {
                let t = broken_ticket(&row)?;
                after = (row.try_get("moment")?, t.id);
                found.push((after.0, kind, t));
            }
            taken += read;
            if read < page {
                break;
            }
        }
    }
    found.sort_by_key(|(moment, kind, t)| (*moment, t.id, *kind));
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found.into_iter().map(|(_, kind, t)| (kind, t)).collect())
}

/// How many breaches `[from, to)` holds, judged at `now`, the months `first..=last` (yyyymm)
/// being the same period: the late ones from the tallies, the ones judged now from the
/// tickets.
pub async fn breach_count(
    conn: &mut Conn,
    scope: Scope,
    (from, to): (i64, i64),
    (first, last): (i64, i64),
    now: i64,
) -> Result<u64, StoreError> {
    let late: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(tickets), 0) AS BIGINT) AS n FROM report_tallies
         WHERE scope_id = $1 AND measure IN (0, 1) AND month >= $2 AND month <= $3 AND within = 0",
    )
    .bind(scope.id())
    .bind(first)
    .bind(last)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let mut total = u64::try_from(late).unwrap_or(0);
    for kind in [BrokenTarget::NoReaction, BrokenTarget::OpenOverdue] {
        let (condition, _) = kind.condition(scope);
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM tickets t WHERE {condition}"
        )))
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(scope.id())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        total += u64::try_from(n).unwrap_or(0);
    }
    Ok(total)
}

/// Counts the tallies again from the tickets, in the caller's transaction: what the triggers
/// keep, recomputed from `ticket_tallies`, their one definition.
pub async fn recount_tallies(conn: &mut Conn) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM report_tallies")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO report_tallies
           (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
         SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, COUNT(*)
         FROM ticket_tallies
         GROUP BY scope_id, measure, month, priority, policy_version, minutes, band, within",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// SQLite: while on, the tickets this transaction inserts are left out of the report tallies
/// by their trigger (0026), for [`add_tallies`] to count. Turned off again in the same
/// transaction; nothing else ever sees it on.
pub async fn tallies_by_statement(conn: &mut Conn, on: bool) -> Result<(), StoreError> {
    let sql = if on {
        "INSERT INTO tallies_by_statement (id) VALUES (1)"
    } else {
        "DELETE FROM tallies_by_statement"
    };
    sqlx::query(sql).execute(&mut *conn).await?;
    Ok(())
}

/// SQLite: adds the tickets `ids` to the report tallies, 500 to a statement (well under
/// SQLite's parameter limit), through `ticket_tallies` as [`recount_tallies`] does: each
/// counts exactly as its trigger would have counted it.
pub async fn add_tallies(conn: &mut Conn, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        let sql = format!(
            "INSERT INTO report_tallies
                 (scope_id, measure, month, priority, policy_version, minutes, band, within, tickets)
             SELECT scope_id, measure, month, priority, policy_version, minutes, band, within,
                    COUNT(*)
             FROM ticket_tallies WHERE ticket_id IN ({})
             GROUP BY scope_id, measure, month, priority, policy_version, minutes, band, within
             ON CONFLICT (scope_id, measure, month, priority, policy_version, minutes, band, within)
             DO UPDATE SET tickets = report_tallies.tickets + excluded.tickets",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Up to `limit` tickets after `after` (by id), for rewriting their outcomes; only those
/// without one when `missing_only`.
pub async fn tickets_after(
    conn: &mut Conn,
    after: i64,
    limit: i64,
    missing_only: bool,
) -> Result<Vec<Ticket>, StoreError> {
    let missing = if missing_only {
        " AND t.filed_month IS NULL"
    } else {
        ""
    };
    // Locked on PostgreSQL until the batch's transaction ends, like any ticket about to change.
    let lock = super::row_lock(conn);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id > $1{missing} ORDER BY t.id LIMIT $2{lock}"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(ticket).collect()
}

/// Rewrites a ticket's outcome alone.
pub async fn set_outcome(conn: &mut Conn, id: i64, o: &SlaOutcome) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET reaction_seconds = $1, reaction_target_seconds = $2, reaction_due_at = $3,
         resolved_at = $4, resolution_seconds = $5, resolution_target_seconds = $6, resolution_band = $7,
         filed_month = $8, resolved_month = $9
         WHERE id = $10",
    )
    .bind(o.reaction_seconds)
    .bind(o.reaction_target_seconds)
    .bind(o.reaction_due_at)
    .bind(o.resolved_at)
    .bind(o.resolution_seconds)
    .bind(o.resolution_target_seconds)
    .bind(o.resolution_band)
    .bind(o.filed_month)
    .bind(o.resolved_month)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
