//! The counting of a report (S3) over the tickets' derived outcomes: business times grouped by
//! value with how many tickets took each, so that a desk's year comes back as a few thousand
//! rows; the breaches of a period; the headline of each month of a trend; and the rewriting
//! of the outcomes for `sladesk report rebuild`.

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
    /// The condition on `t`, with the organisation as parameter `$n` when there is one.
    fn condition(self, n: usize) -> String {
        match self {
            // The parameter is bound all the same (to 0), so that the numbering never shifts.
            Scope::Desk => format!("t.confidential = 0 AND ${n} = 0"),
            Scope::Organization(_) => format!("t.confidential = 0 AND t.organization_id = ${n}"),
        }
    }

    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            Scope::Desk => query.bind(0_i64),
            Scope::Organization(id) => query.bind(id),
        }
    }
}

/// How a ticket filed in the period stands on its reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionVerdict {
    Met,
    Late,
    /// No reaction and past its due moment.
    Overdue,
    /// No reaction, still within the target.
    Awaiting,
}

/// Tickets filed in the period with the same priority, version, reaction time and verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledGroup {
    pub priority: Priority,
    pub policy_version: String,
    pub reaction_seconds: Option<i64>,
    pub verdict: ReactionVerdict,
    pub count: u64,
}

/// Tickets closed in the period with the same priority, version, resolution time and band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedGroup {
    pub priority: Priority,
    pub policy_version: String,
    pub resolution_seconds: i64,
    pub band: i64,
    pub within_target: bool,
    pub count: u64,
}

fn count(row: &sqlx::any::AnyRow, name: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
}

/// The reactions of the tickets filed in `[from, to)`, judged at `now`.
pub async fn filed(
    conn: &mut Conn,
    scope: Scope,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<FiledGroup>, StoreError> {
    let sql = format!(
        "SELECT t.priority, t.policy_version, t.reaction_seconds, \
           CASE WHEN t.reaction_seconds IS NOT NULL THEN \
                  CASE WHEN t.reaction_seconds <= t.reaction_target_seconds THEN 0 ELSE 1 END \
                WHEN t.reaction_due_at <= $3 THEN 2 ELSE 3 END AS verdict, \
           COUNT(*) AS n \
         FROM tickets t WHERE t.created_at >= $1 AND t.created_at < $2 AND {} \
         GROUP BY t.priority, t.policy_version, t.reaction_seconds, verdict",
        scope.condition(4)
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .bind(now);
    let rows = scope.bind(query).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok(FiledGroup {
                priority: parse_word(&row.try_get::<String, _>("priority")?)?,
                policy_version: row.try_get("policy_version")?,
                reaction_seconds: row.try_get("reaction_seconds")?,
                verdict: match row.try_get::<i64, _>("verdict")? {
                    0 => ReactionVerdict::Met,
                    1 => ReactionVerdict::Late,
                    2 => ReactionVerdict::Overdue,
                    _ => ReactionVerdict::Awaiting,
                },
                count: count(row, "n")?,
            })
        })
        .collect()
}

/// The resolutions of the tickets whose closing that stands falls in `[from, to)`.
pub async fn resolved(
    conn: &mut Conn,
    scope: Scope,
    from: i64,
    to: i64,
) -> Result<Vec<ResolvedGroup>, StoreError> {
    let sql = format!(
        "SELECT t.priority, t.policy_version, t.resolution_seconds, t.resolution_band, \
           CASE WHEN t.resolution_seconds <= t.resolution_target_seconds THEN 1 ELSE 0 END AS within, \
           COUNT(*) AS n \
         FROM tickets t WHERE t.resolved_at >= $1 AND t.resolved_at < $2 AND {} \
         GROUP BY t.priority, t.policy_version, t.resolution_seconds, t.resolution_band, within",
        scope.condition(3)
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
    let rows = scope.bind(query).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok(ResolvedGroup {
                priority: parse_word(&row.try_get::<String, _>("priority")?)?,
                policy_version: row.try_get("policy_version")?,
                resolution_seconds: row
                    .try_get::<Option<i64>, _>("resolution_seconds")?
                    .unwrap_or(0),
                band: row
                    .try_get::<Option<i64>, _>("resolution_band")?
                    .unwrap_or(0),
                within_target: row.try_get::<i64, _>("within")? != 0,
                count: count(row, "n")?,
            })
        })
        .collect()
}

/// Per priority and version: the tickets filed before `end` that were not closed by then (a
/// ticket reopened since counts as open: its closing did not stand).
pub async fn open_at(
    conn: &mut Conn,
    scope: Scope,
    end: i64,
) -> Result<Vec<(Priority, String, u64)>, StoreError> {
    // Open now, or closed after the end: two short ranges of the indexes, not the history.
    let condition = scope.condition(2);
    let sql = format!(
        "SELECT t.priority, t.policy_version, COUNT(*) AS n FROM tickets t \
         WHERE t.resolved_at IS NULL AND t.created_at < $1 AND {condition} \
         GROUP BY t.priority, t.policy_version \
         UNION ALL \
         SELECT t.priority, t.policy_version, COUNT(*) AS n FROM tickets t \
         WHERE t.resolved_at >= $1 AND t.created_at < $1 AND {condition} \
         GROUP BY t.priority, t.policy_version"
    );
    let rows = scope
        .bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(end))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_word(&row.try_get::<String, _>("priority")?)?,
                row.try_get("policy_version")?,
                count(row, "n")?,
            ))
        })
        .collect()
}

/// The three ways a ticket breaks a target in `[$1, $2)`, judged at `$3`, each along its own
/// index (one OR would read the whole table): filed then and answered late or not at all by
/// its due moment; closed then after the resolution target; still open with a breach then.
fn breach_conditions(scope: Scope) -> [String; 3] {
    let condition = scope.condition(4);
    [
        format!(
            "t.created_at >= $1 AND t.created_at < $2 AND (t.reaction_seconds > t.reaction_target_seconds \
             OR (t.reaction_seconds IS NULL AND t.reaction_due_at <= $3)) AND {condition}"
        ),
        format!(
            "t.resolved_at >= $1 AND t.resolved_at < $2 AND t.resolution_seconds > t.resolution_target_seconds \
             AND $3 = $3 AND {condition}"
        ),
        format!(
            "t.breached_at >= $1 AND t.breached_at < $2 AND t.breached_at <= $3 \
             AND t.resolved_at IS NULL AND {condition}"
        ),
    ]
}

/// The tickets that broke a target in `[from, to)`, judged at `now`, oldest first: at most
/// `limit` of them, and how many there are in all.
pub async fn breaches(
    conn: &mut Conn,
    scope: Scope,
    from: i64,
    to: i64,
    now: i64,
    limit: i64,
) -> Result<(Vec<Ticket>, usize), StoreError> {
    let conditions = breach_conditions(scope);
    let mut found: Vec<Ticket> = Vec::new();
    for condition in &conditions {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE {condition} ORDER BY t.id LIMIT {limit}"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .bind(now);
        for row in scope.bind(query).fetch_all(&mut *conn).await? {
            found.push(ticket(&row)?);
        }
    }
    found.sort_by_key(|t| t.id);
    found.dedup_by_key(|t| t.id);
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // A ticket can break two targets in one period: count each once.
    let ids = conditions
        .iter()
        .map(|c| format!("SELECT t.id FROM tickets t WHERE {c}"))
        .collect::<Vec<_>>()
        .join(" UNION ");
    let total: i64 = scope
        .bind(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM ({ids}) AS broken"
            )))
            .bind(from)
            .bind(to)
            .bind(now),
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok((found, usize::try_from(total).unwrap_or(0)))
}

/// Per month of `bounds` (each `[start, end)`): tickets filed, reactions judged and met,
/// judged at `now`.
pub async fn filed_by_month(
    conn: &mut Conn,
    scope: Scope,
    bounds: &[(i64, i64)],
    now: i64,
) -> Result<Vec<(u64, u64, u64)>, StoreError> {
    let mut out = vec![(0, 0, 0); bounds.len()];
    let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else {
        return Ok(out);
    };
    let bucket = month_bucket("t.created_at", bounds.len(), 5);
    let sql = format!(
        "SELECT {bucket} AS m, COUNT(*) AS n, \
           SUM(CASE WHEN t.reaction_seconds IS NOT NULL OR t.reaction_due_at <= $3 THEN 1 ELSE 0 END) AS judged, \
           SUM(CASE WHEN t.reaction_seconds <= t.reaction_target_seconds THEN 1 ELSE 0 END) AS met \
         FROM tickets t WHERE t.created_at >= $1 AND t.created_at < $2 AND {} GROUP BY m",
        scope.condition(4)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first.0)
        .bind(last.1)
        .bind(now);
    query = scope.bind(query);
    for (_, end) in bounds {
        query = query.bind(*end);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let m = usize::try_from(row.try_get::<i64, _>("m")?).unwrap_or(usize::MAX);
        if let Some(slot) = out.get_mut(m) {
            *slot = (
                count(&row, "n")?,
                u64::try_from(row.try_get::<Option<i64>, _>("judged")?.unwrap_or(0)).unwrap_or(0),
                u64::try_from(row.try_get::<Option<i64>, _>("met")?.unwrap_or(0)).unwrap_or(0),
            );
        }
    }
    Ok(out)
}

/// Per month of `bounds`: tickets closed and closed within the target.
pub async fn resolved_by_month(
    conn: &mut Conn,
    scope: Scope,
    bounds: &[(i64, i64)],
) -> Result<Vec<(u64, u64)>, StoreError> {
    let mut out = vec![(0, 0); bounds.len()];
    let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else {
        return Ok(out);
    };
    let bucket = month_bucket("t.resolved_at", bounds.len(), 4);
    let sql = format!(
        "SELECT {bucket} AS m, COUNT(*) AS n, \
           SUM(CASE WHEN t.resolution_seconds <= t.resolution_target_seconds THEN 1 ELSE 0 END) AS within \
         FROM tickets t WHERE t.resolved_at >= $1 AND t.resolved_at < $2 AND {} GROUP BY m",
        scope.condition(3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(first.0)
        .bind(last.1);
    query = scope.bind(query);
    for (_, end) in bounds {
        query = query.bind(*end);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let m = usize::try_from(row.try_get::<i64, _>("m")?).unwrap_or(usize::MAX);
        if let Some(slot) = out.get_mut(m) {
            *slot = (
                count(&row, "n")?,
                u64::try_from(row.try_get::<Option<i64>, _>("within")?.unwrap_or(0)).unwrap_or(0),
            );
        }
    }
    Ok(out)
}

/// `CASE WHEN column < $first THEN 0 WHEN … END`: the index of the month a moment falls in,
/// the months' ends bound from parameter `$first` on.
fn month_bucket(column: &str, months: usize, first: usize) -> String {
    let mut sql = String::from("CASE");
    for i in 0..months {
        sql += &format!(" WHEN {column} < ${} THEN {i}", first + i);
    }
    sql += &format!(" ELSE {months} END");
    sql
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
        " AND t.reaction_due_at IS NULL"
    } else {
        ""
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id > $1{missing} ORDER BY t.id LIMIT $2"
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
         resolved_at = $4, resolution_seconds = $5, resolution_target_seconds = $6, resolution_band = $7
         WHERE id = $8",
    )
    .bind(o.reaction_seconds)
    .bind(o.reaction_target_seconds)
    .bind(o.reaction_due_at)
    .bind(o.resolved_at)
    .bind(o.resolution_seconds)
    .bind(o.resolution_target_seconds)
    .bind(o.resolution_band)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
