//! Tickets and their event log. The event log is the truth; the few derived columns on a
//! ticket (`breached_at`, `next_check_at`) are recomputed from it by the desk after every change
//! and exist only so that lists can filter and jobs can find what is due without a scan.

use sladesk_core::tickets::{Priority, Status};
use sqlx::any::AnyRow;

use super::accounts::{parse_word, word};
use super::{Conn, Dialect, StoreError, col};
use crate::domain::tickets::{Ticket, TicketEvent};

fn ticket(row: &AnyRow) -> Result<Ticket, StoreError> {
    Ok(Ticket {
        id: col(row, "id")?,
        organization_id: col(row, "organization_id")?,
        requester_id: col(row, "requester_id")?,
        ticket_type: parse_word(&col::<String>(row, "ticket_type")?)?,
        class: parse_word(&col::<String>(row, "class")?)?,
        priority: parse_word(&col::<String>(row, "priority")?)?,
        triaged: col::<i64>(row, "triaged")? != 0,
        environment: parse_word(&col::<String>(row, "environment")?)?,
        product: col(row, "product")?,
        subject: col(row, "subject")?,
        description: col(row, "description")?,
        status: parse_word(&col::<String>(row, "status")?)?,
        line: col(row, "line")?,
        assignee_id: col(row, "assignee_id")?,
        policy_version: col(row, "policy_version")?,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
        breached_at: col(row, "breached_at")?,
        next_check_at: col(row, "next_check_at")?,
        due_at: col(row, "due_at")?,
        confidential: col::<i64>(row, "confidential")? != 0,
    })
}

fn event(row: &AnyRow) -> Result<TicketEvent, StoreError> {
    let data: String = col(row, "data")?;
    Ok(TicketEvent {
        id: col(row, "id")?,
        ticket_id: col(row, "ticket_id")?,
        at: col(row, "at")?,
        kind: col(row, "kind")?,
        actor_id: col(row, "actor_id")?,
        public: col::<i64>(row, "public")? != 0,
        body: col(row, "body")?,
        data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

const TICKET_COLUMNS: &str = "t.id, t.organization_id, t.requester_id, t.ticket_type, t.class, t.priority, \
    t.triaged, t.environment, t.product, t.subject, t.description, t.status, t.line, t.assignee_id, \
    t.policy_version, t.created_at, t.updated_at, t.breached_at, t.next_check_at, t.due_at, t.confidential";

pub async fn insert_ticket(conn: &mut Conn, t: &Ticket) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (organization_id, requester_id, ticket_type, class, priority, triaged, environment,
         product, subject, description, status, line, assignee_id, policy_version, created_at, updated_at,
         breached_at, next_check_at, due_at, confidential)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
    )
    .bind(t.organization_id)
    .bind(t.requester_id)
    .bind(word(&t.ticket_type))
    .bind(word(&t.class))
    .bind(word(&t.priority))
    .bind(i64::from(t.triaged))
    .bind(word(&t.environment))
    .bind(&t.product)
    .bind(&t.subject)
    .bind(&t.description)
    .bind(word(&t.status))
    .bind(t.line)
    .bind(t.assignee_id)
    .bind(&t.policy_version)
    .bind(t.created_at)
    .bind(t.updated_at)
    .bind(t.breached_at)
    .bind(t.next_check_at)
    .bind(t.due_at)
    .bind(i64::from(t.confidential))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes the mutable fields of a ticket (not its text or creation facts).
pub async fn update_ticket(conn: &mut Conn, t: &Ticket) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET ticket_type = $1, priority = $2, triaged = $3, status = $4, line = $5,
         assignee_id = $6, updated_at = $7, breached_at = $8, next_check_at = $9, due_at = $10
         WHERE id = $11",
    )
    .bind(word(&t.ticket_type))
    .bind(word(&t.priority))
    .bind(i64::from(t.triaged))
    .bind(word(&t.status))
    .bind(t.line)
    .bind(t.assignee_id)
    .bind(t.updated_at)
    .bind(t.breached_at)
    .bind(t.next_check_at)
    .bind(t.due_at)
    .bind(t.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn ticket_by_id(conn: &mut Conn, id: i64) -> Result<Option<Ticket>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(ticket).transpose()
}

pub async fn insert_event(conn: &mut Conn, e: &TicketEvent) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_events (ticket_id, at, kind, actor_id, public, body, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(e.at)
    .bind(&e.kind)
    .bind(e.actor_id)
    .bind(i64::from(e.public))
    .bind(&e.body)
    .bind(e.data.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A ticket's events in the order they happened.
pub async fn events_of(
    conn: &mut Conn,
    ticket_id: i64,
    public_only: bool,
) -> Result<Vec<TicketEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM ticket_events WHERE ticket_id = $1 AND ($2 = 0 OR public = 1) ORDER BY id",
    )
    .bind(ticket_id)
    .bind(i64::from(public_only))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(event).collect()
}

/// The events of several tickets at once, each list in order.
pub async fn events_of_many(
    conn: &mut Conn,
    ticket_ids: &[i64],
) -> Result<Vec<TicketEvent>, StoreError> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ticket_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // The list holds only integers formatted here, never user text.
    let sql = format!(
        "SELECT * FROM ticket_events WHERE ticket_id IN ({list}) AND kind IN ('staff_reply', 'status', 'priority') \
         ORDER BY ticket_id, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(event).collect()
}

/// Filters of the ticket list. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub organization_id: Option<i64>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub line: Option<i64>,
    pub assignee_id: Option<i64>,
    /// Breached (`true`) or not breached (`false`) at `now`.
    pub breached: Option<bool>,
    /// Waiting for the customer or for development (`true`), or not (`false`).
    pub waiting: Option<bool>,
    /// Not closed (`true`), or closed (`false`).
    pub open: Option<bool>,
    /// Full-text search over subject and description.
    pub text: Option<String>,
    /// Leave out confidential tickets (X3): for everyone but admins and the SaaS team.
    pub hide_confidential: bool,
    /// Only tickets with a smaller id (cursor pagination, newest first).
    pub before_id: Option<i64>,
    pub order: Order,
    /// Rows to skip (page number × page size, for the portal's pages).
    pub offset: i64,
    pub limit: i64,
    pub now: i64,
}

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Newest,
    Oldest,
    /// Most recently changed first.
    Updated,
}

/// Tickets matching `filter`, newest first.
pub async fn list_tickets(
    conn: &mut Conn,
    dialect: Dialect,
    filter: &TicketFilter,
) -> Result<Vec<Ticket>, StoreError> {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    // Only placeholders are formatted into the SQL; every value is bound, in this order.
    // With a text search on SQLite, walk the full-text index newest first and stop at the
    // page size, instead of collecting every match of a common word first.
    let (mut sql, order) = match (text, dialect) {
        (Some(_), Dialect::Sqlite) => (
            format!(
                "SELECT {TICKET_COLUMNS} FROM tickets_fts JOIN tickets t ON t.id = tickets_fts.rowid \
                 WHERE tickets_fts MATCH {}",
                next()
            ),
            "tickets_fts.rowid",
        ),
        (Some(_), Dialect::Postgres) => (
            format!(
                "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.search @@ plainto_tsquery('simple', {})",
                next()
            ),
            "t.id",
        ),
        (None, _) => (
            format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE 1 = 1"),
            "t.id",
        ),
    };
    let equal = [
        ("t.organization_id", filter.organization_id.is_some()),
        ("t.status", filter.status.is_some()),
        ("t.priority", filter.priority.is_some()),
        ("t.line", filter.line.is_some()),
        ("t.assignee_id", filter.assignee_id.is_some()),
    ];
    for (column, wanted) in equal {
        if wanted {
            sql += &format!(" AND {column} = {}", next());
        }
    }
    match filter.breached {
        Some(true) => {
            sql += &format!(
                " AND t.breached_at IS NOT NULL AND t.breached_at <= {}",
                next()
            )
        }
        Some(false) => {
            sql += &format!(" AND (t.breached_at IS NULL OR t.breached_at > {})", next())
        }
        None => {}
    }
    match filter.waiting {
        Some(true) => sql += " AND t.status IN ('waiting_for_customer', 'waiting_for_development')",
        Some(false) => {
            sql += " AND t.status NOT IN ('waiting_for_customer', 'waiting_for_development')"
        }
        None => {}
    }
    match filter.open {
        Some(true) => sql += " AND t.status <> 'closed'",
        Some(false) => sql += " AND t.status = 'closed'",
        None => {}
    }
    if filter.hide_confidential {
        sql += " AND t.confidential = 0";
    }
    if filter.before_id.is_some() {
        sql += &format!(" AND {order} < {}", next());
    }
    let direction = match filter.order {
        Order::Newest => format!("{order} DESC"),
        Order::Oldest => format!("{order} ASC"),
        Order::Updated => "t.updated_at DESC, t.id DESC".to_string(),
    };
    sql += &format!(" ORDER BY {direction} LIMIT {}", next());
    if filter.offset > 0 {
        sql += &format!(" OFFSET {}", next());
    }

    // PostgreSQL, one organisation's newest matches: see `organization_search`.
    if let (Some(_), Dialect::Postgres, Some(_), Order::Newest, 0, None) = (
        text,
        dialect,
        filter.organization_id,
        filter.order,
        filter.offset,
        filter.before_id,
    ) {
        return organization_search(conn, &sql, filter, text).await;
    }
    let rows = bound(sqlx::AssertSqlSafe(sql), filter, text, dialect)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(ticket).collect()
}

/// A customer's search on PostgreSQL, where one plan cannot serve every word. Walking the
/// organisation's tickets newest first finds a word they use often at once, but reads them all
/// for a word they never use; asking the GIN index first (the tsvector holds an
/// organisation lexeme, `~org<id>`, for this) is instant for a rare word but reads every match
/// of a common one. So: the newest 1,000 of the organisation's tickets first; only if they hold
/// fewer matches than a page, the index. Both give the same answer: the newest matches.
async fn organization_search(
    conn: &mut Conn,
    sql: &str,
    filter: &TicketFilter,
    text: Option<&str>,
) -> Result<Vec<Ticket>, StoreError> {
    // The search words are $1 and the organisation $2 (see the order of binding in `bound`).
    const FROM: &str = "FROM tickets t WHERE t.search @@ plainto_tsquery('simple', $1)";
    let recent = sql.replacen(
        FROM,
        "FROM (SELECT * FROM tickets WHERE organization_id = $2 ORDER BY id DESC LIMIT 1000) t \
         WHERE t.search @@ plainto_tsquery('simple', $1)",
        1,
    );
    debug_assert!(sql.contains(FROM), "the list query changed shape: {sql}");
    let rows = bound(sqlx::AssertSqlSafe(recent), filter, text, Dialect::Postgres)
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() as i64 >= filter.limit {
        return rows.iter().map(ticket).collect();
    }
    let indexed = format!(
        "WITH matches AS MATERIALIZED (SELECT id FROM tickets WHERE search @@ \
         (plainto_tsquery('simple', $1) && ('''~org' || $2::text || '''')::tsquery) \
         AND numnode(plainto_tsquery('simple', $1)) > 0) {}",
        sql.replacen(
            FROM,
            "FROM tickets t WHERE t.id IN (SELECT id FROM matches)",
            1
        )
    );
    let rows = bound(
        sqlx::AssertSqlSafe(indexed),
        filter,
        text,
        Dialect::Postgres,
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(ticket).collect()
}

/// The list query with the filter's values bound in the order [`list_tickets`] numbered them.
fn bound<'q>(
    sql: sqlx::AssertSqlSafe<String>,
    filter: &'q TicketFilter,
    text: Option<&'q str>,
    dialect: Dialect,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sql);
    if let Some(text) = text {
        query = query.bind(match dialect {
            Dialect::Sqlite => fts5_query(text, filter.organization_id),
            Dialect::Postgres => text.to_string(),
        });
    }
    if let Some(id) = filter.organization_id {
        query = query.bind(id);
    }
    if let Some(status) = filter.status {
        query = query.bind(word(&status));
    }
    if let Some(priority) = filter.priority {
        query = query.bind(word(&priority));
    }
    if let Some(line) = filter.line {
        query = query.bind(line);
    }
    if let Some(assignee) = filter.assignee_id {
        query = query.bind(assignee);
    }
    if filter.breached.is_some() {
        query = query.bind(filter.now);
    }
    if let Some(id) = filter.before_id {
        query = query.bind(id);
    }
    query = query.bind(filter.limit);
    if filter.offset > 0 {
        query = query.bind(filter.offset);
    }
    query
}

/// Turns free text into an FTS5 query that matches all its words, with FTS5's own syntax
/// (quotes, operators, column filters) neutralised by quoting each word.
/// Only the subject and description are searched for the words; the organisation, when the
/// list is one organisation's, is matched in the same index lookup.
fn fts5_query(text: &str, organization_id: Option<i64>) -> String {
    let words = text
        .split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ");
    match organization_id {
        Some(id) => format!("{{subject description}} : ({words}) AND organization_id : \"{id}\""),
        None => format!("{{subject description}} : ({words})"),
    }
}

/// Claims up to `limit` tickets whose SLA check is due, for `lease_seconds`. Safe with many
/// replicas: a ticket leased by one is skipped by the others until the lease runs out.
pub async fn claim_due_checks(
    conn: &mut Conn,
    dialect: Dialect,
    now: i64,
    lease_seconds: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let sql = super::claim_sql(
        dialect,
        "tickets",
        "check_lease_until",
        "next_check_at <= $2",
        "next_check_at",
        "id",
    );
    let ids = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_seconds)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    Ok(ids)
}

pub async fn release_check(conn: &mut Conn, ticket_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE tickets SET check_lease_until = NULL WHERE id = $1")
        .bind(ticket_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Alerts already sent for a ticket (keys like `resolution_warning:57600`).
pub async fn sent_alerts(conn: &mut Conn, ticket_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT alert FROM sla_alerts WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Records an alert as sent; `false` if it already was (by this or another replica).
pub async fn record_alert(
    conn: &mut Conn,
    ticket_id: i64,
    alert: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "INSERT INTO sla_alerts (ticket_id, alert, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(ticket_id)
    .bind(alert)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn count_tickets(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(&mut *conn)
        .await?)
}

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
