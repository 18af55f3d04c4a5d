//! The agent workspace's queues of open tickets, walked along partial indexes in deadline order.

use super::super::{Conn, StoreError};
use super::{TICKET_COLUMNS, ticket};
use crate::domain::tickets::Ticket;

/// The agent workspace's views of open tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Everything open on a support line.
    Line(i64),
    /// Everything open assigned to this person.
    Mine(i64),
    /// Open tickets on a line that nobody has picked up.
    Unassigned(i64),
    /// Open tickets on a line whose SLA is breached.
    Breached(i64),
}

impl Queue {
    fn condition(self) -> (&'static str, i64) {
        match self {
            Queue::Line(line) => ("t.line = $1", line),
            Queue::Mine(user) => ("t.assignee_id = $1", user),
            Queue::Unassigned(line) => ("t.line = $1 AND t.assignee_id IS NULL", line),
            Queue::Breached(line) => ("t.line = $1", line),
        }
    }
}

/// A queue's open tickets, nearest deadline first; tickets whose clocks are all paused follow,
/// most recently changed first. Breached tickets come longest-breached first.
pub async fn queue(
    conn: &mut Conn,
    queue: Queue,
    now: i64,
    limit: i64,
) -> Result<Vec<Ticket>, StoreError> {
    let (condition, key) = queue.condition();
    if let Queue::Breached(_) = queue {
        // Spelled as the partial index tickets_open_breached is, so that it serves the query in
        // its own order. `+ 0` keeps PostgreSQL from the plain breached_at index: breaches are
        // rare, its estimate of how many are past is poor, and a wrong guess sorts thousands.
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE {condition} AND t.breached_at IS NOT NULL \
             AND t.status <> 'closed' AND t.breached_at + 0 <= $2 ORDER BY t.breached_at, t.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        return rows.iter().map(ticket).collect();
    }
    let running = format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE {condition} AND t.due_at IS NOT NULL \
         ORDER BY t.due_at, t.id LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(running))
        .bind(key)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut found: Vec<Ticket> = rows.iter().map(ticket).collect::<Result<_, _>>()?;
    let room = limit - found.len() as i64;
    if room > 0 {
        let paused = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE {condition} AND t.due_at IS NULL \
             AND t.status <> 'closed' ORDER BY t.updated_at DESC, t.id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(paused))
            .bind(key)
            .bind(room)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            found.push(ticket(row)?);
        }
    }
    Ok(found)
}

/// How many open tickets a queue holds.
pub async fn queue_count(conn: &mut Conn, queue: Queue, now: i64) -> Result<i64, StoreError> {
    let (condition, key) = queue.condition();
    let sql = match queue {
        Queue::Breached(_) => format!(
            "SELECT COUNT(*) FROM tickets t WHERE {condition} AND t.breached_at IS NOT NULL \
             AND t.status <> 'closed' AND t.breached_at <= $2"
        ),
        _ => format!(
            "SELECT (SELECT COUNT(*) FROM tickets t WHERE {condition} AND t.due_at IS NOT NULL) \
             + (SELECT COUNT(*) FROM tickets t WHERE {condition} AND t.due_at IS NULL \
             AND t.status <> 'closed')"
        ),
    };
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(key);
    if let Queue::Breached(_) = queue {
        query = query.bind(now);
    }
    let count: i64 = query.fetch_one(&mut *conn).await?;
    Ok(count)
}
