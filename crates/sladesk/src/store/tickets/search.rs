//! The ticket list: filters, orders, pages, and full-text search (FTS5 on SQLite, a tsvector on
//! PostgreSQL), each shaped by the indexes that serve it.

use sladesk_core::tickets::{Priority, Status};

use super::super::accounts::word;
use super::super::{Conn, Dialect, StoreError};
use super::{TICKET_COLUMNS, ticket};
use crate::domain::tickets::Ticket;

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
    // The number an imported ticket had in the desk it came from (`#84512`) finds it, as its
    // own number does on its page (docs/EXCHANGE.md).
    if let Some(text) = text
        && let Some(id) = super::super::exchange::ticket_of_number(conn, text).await?
    {
        let found = super::ticket_by_id(conn, id).await?.filter(|t| {
            filter
                .organization_id
                .is_none_or(|o| o == t.organization_id)
                && !(filter.hide_confidential && t.confidential)
        });
        return Ok(found.into_iter().collect());
    }
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
