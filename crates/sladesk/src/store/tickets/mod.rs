//! Tickets and their event log. The event log is the truth; the few derived columns on a
//! ticket (`breached_at`, `next_check_at`) are recomputed from it by the desk after every change
//! and exist only so that lists can filter and jobs can find what is due without a scan.

use sqlx::any::AnyRow;

use super::accounts::{parse_word, word};
use super::{Conn, StoreError, col};
use crate::domain::tickets::{SlaOutcome, Ticket, TicketChange, TicketEvent, TicketEventKind};

pub(super) fn ticket(row: &AnyRow) -> Result<Ticket, StoreError> {
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
        outside_sla: col::<i64>(row, "outside_sla")? != 0,
        outcome: SlaOutcome {
            reaction_seconds: col(row, "reaction_seconds")?,
            reaction_target_seconds: col(row, "reaction_target_seconds")?,
            reaction_due_at: col(row, "reaction_due_at")?,
            resolved_at: col(row, "resolved_at")?,
            resolution_seconds: col(row, "resolution_seconds")?,
            resolution_target_seconds: col(row, "resolution_target_seconds")?,
            resolution_band: col(row, "resolution_band")?,
            filed_month: col(row, "filed_month")?,
            resolved_month: col(row, "resolved_month")?,
        },
    })
}

pub(super) fn event(row: &AnyRow) -> Result<TicketEvent, StoreError> {
    let data: String = col(row, "data")?;
    Ok(TicketEvent {
        id: col(row, "id")?,
        ticket_id: col(row, "ticket_id")?,
        at: col(row, "at")?,
        actor_id: col(row, "actor_id")?,
        public: col::<i64>(row, "public")? != 0,
        body: col(row, "body")?,
        change: TicketChange::from_parts(
            &col::<String>(row, "kind")?,
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .map_err(|e| StoreError::Corrupt(format!("ticket event: {e}")))?,
    })
}

pub(super) const TICKET_COLUMNS: &str = "t.id, t.organization_id, t.requester_id, t.ticket_type, t.class, t.priority, \
    t.triaged, t.environment, t.product, t.subject, t.description, t.status, t.line, t.assignee_id, \
    t.policy_version, t.created_at, t.updated_at, t.breached_at, t.next_check_at, t.due_at, t.confidential, t.outside_sla, \
    t.reaction_seconds, t.reaction_target_seconds, t.reaction_due_at, t.resolved_at, t.resolution_seconds, \
    t.resolution_target_seconds, t.resolution_band, t.filed_month, t.resolved_month";

pub async fn insert_ticket(conn: &mut Conn, t: &Ticket) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (organization_id, requester_id, ticket_type, class, priority, triaged, environment,
         product, subject, description, status, line, assignee_id, policy_version, created_at, updated_at,
         breached_at, next_check_at, due_at, confidential, reaction_seconds, reaction_target_seconds,
         reaction_due_at, resolved_at, resolution_seconds, resolution_target_seconds, resolution_band,
         filed_month, resolved_month)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
         $21, $22, $23, $24, $25, $26, $27, $28, $29) RETURNING id",
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
    .bind(t.outcome.reaction_seconds)
    .bind(t.outcome.reaction_target_seconds)
    .bind(t.outcome.reaction_due_at)
    .bind(t.outcome.resolved_at)
    .bind(t.outcome.resolution_seconds)
    .bind(t.outcome.resolution_target_seconds)
    .bind(t.outcome.resolution_band)
    .bind(t.outcome.filed_month)
    .bind(t.outcome.resolved_month)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes the mutable fields of a ticket (not its text or creation facts).
pub async fn update_ticket(conn: &mut Conn, t: &Ticket) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET ticket_type = $1, priority = $2, triaged = $3, status = $4, line = $5,
         assignee_id = $6, updated_at = $7, breached_at = $8, next_check_at = $9, due_at = $10,
         reaction_seconds = $11, reaction_target_seconds = $12, reaction_due_at = $13, resolved_at = $14,
         resolution_seconds = $15, resolution_target_seconds = $16, resolution_band = $17,
         filed_month = $18, resolved_month = $19, outside_sla = $20
         WHERE id = $21",
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
    .bind(t.outcome.reaction_seconds)
    .bind(t.outcome.reaction_target_seconds)
    .bind(t.outcome.reaction_due_at)
    .bind(t.outcome.resolved_at)
    .bind(t.outcome.resolution_seconds)
    .bind(t.outcome.resolution_target_seconds)
    .bind(t.outcome.resolution_band)
    .bind(t.outcome.filed_month)
    .bind(t.outcome.resolved_month)
    .bind(i64::from(t.outside_sla))
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

/// A ticket about to be changed, in the caller's write transaction: on PostgreSQL its row is
/// locked until the transaction ends, so that two replicas (or a person and the SLA job)
/// changing it at once take turns instead of one writing back what it read before the other's
/// change. SQLite's write transaction already holds the one write lock.
pub async fn ticket_to_change(conn: &mut Conn, id: i64) -> Result<Option<Ticket>, StoreError> {
    let lock = row_lock(conn);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(ticket).transpose()
}

/// What a SELECT of rows about to change ends with: ` FOR UPDATE` on PostgreSQL; nothing on
/// SQLite, whose write transaction already holds the one write lock.
pub(super) fn row_lock(conn: &Conn) -> &'static str {
    if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// The tickets of an organisation filed in `[from, to)` (Unix seconds), oldest first.
pub async fn tickets_filed_between(
    conn: &mut Conn,
    organization_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Ticket>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.organization_id = $1
         AND t.created_at >= $2 AND t.created_at < $3 ORDER BY t.id"
    )))
    .bind(organization_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(ticket).collect()
}

pub async fn insert_event(conn: &mut Conn, e: &TicketEvent) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_events (ticket_id, at, kind, actor_id, public, body, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(e.at)
    .bind(word(&e.kind()))
    .bind(e.actor_id)
    .bind(i64::from(e.public))
    .bind(&e.body)
    .bind(e.change.data().to_string())
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
    let kinds = TicketEventKind::FOR_SLA
        .iter()
        .map(|kind| format!("'{}'", word(kind)))
        .collect::<Vec<_>>()
        .join(",");
    // The lists hold only integers and kind names formatted here, never user text.
    let sql = format!(
        "SELECT * FROM ticket_events WHERE ticket_id IN ({list}) AND kind IN ({kinds}) \
         ORDER BY ticket_id, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(event).collect()
}

pub async fn count_tickets(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(&mut *conn)
        .await?)
}

mod checks;
pub mod outcomes;
mod queues;
mod search;

pub use checks::{claim_due_checks, record_alert, release_check, sent_alerts};
pub use queues::{Queue, queue, queue_count};
pub use search::{Order, TicketFilter, list_tickets};
