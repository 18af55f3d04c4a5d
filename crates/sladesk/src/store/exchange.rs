//! Import and export in bulk: the external ids an import wrote (the key of its idempotency),
//! ids handed out ahead for many rows, and tickets, events and sent alerts written many rows to
//! a statement. One statement of a few hundred rows costs little more than one of one row, and
//! an import writes millions.

use std::collections::HashMap;

use super::accounts::word;
use super::{Conn, Dialect, StoreError};
use crate::domain::tickets::{Ticket, TicketEvent};

/// Rows a multi-row statement holds: well under SQLite's 32,766 and PostgreSQL's 65,535
/// parameters for the widest row (a ticket's 31 columns).
const ROWS_PER_STATEMENT: usize = 500;

/// The ids here of `external` ids of `kind` an import wrote before; the ones not there yet are
/// missing from the answer.
pub async fn known_ids(
    conn: &mut Conn,
    kind: &str,
    external: &[&str],
) -> Result<HashMap<String, i64>, StoreError> {
    let mut known = HashMap::new();
    for chunk in external.chunks(ROWS_PER_STATEMENT) {
        let marks = Marks::of(conn);
        let sql = format!(
            "SELECT external_id, local_id FROM external_ids WHERE kind = {} AND external_id IN ({})",
            marks.list(1, 1),
            marks.list(chunk.len(), 2)
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql)).bind(kind);
        for id in chunk {
            query = query.bind(*id);
        }
        known.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(known)
}

/// Every external id of `kind` this desk holds, by its id here (for an export).
pub async fn external_ids_of(
    conn: &mut Conn,
    kind: &str,
) -> Result<HashMap<i64, String>, StoreError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT external_id, local_id FROM external_ids WHERE kind = $1")
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(external, local)| (local, external))
        .collect())
}

/// The external ids some objects of `kind` were imported with (an export's page).
pub async fn external_ids_of_some(
    conn: &mut Conn,
    kind: &str,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Integers formatted here, never text from a data set.
        let sql = format!(
            "SELECT external_id, local_id FROM external_ids WHERE kind = $1 AND local_id IN ({list})"
        );
        let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?;
        names.extend(rows.into_iter().map(|(external, local)| (local, external)));
    }
    Ok(names)
}

/// Records what external ids became, in the transaction that wrote the objects.
pub async fn record_ids(
    conn: &mut Conn,
    kind: &str,
    pairs: &[(&str, i64)],
) -> Result<(), StoreError> {
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO external_ids (kind, external_id, local_id) VALUES {}",
            Marks::of(conn).rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (external, local) in chunk {
            query = query.bind(kind).bind(*external).bind(*local);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The desk's own name in external ids (`3f9a0c1e`), made once: the objects it made itself
/// are exported as `3f9a0c1e:ticket:12`, which no other desk's export can also name.
pub async fn desk_name(conn: &mut Conn, made: &str) -> Result<String, StoreError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT external_id FROM external_ids WHERE kind = 'desk'")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(name) = existing {
        return Ok(name);
    }
    sqlx::query("INSERT INTO external_ids (kind, external_id, local_id) VALUES ('desk', $1, 0)")
        .bind(made)
        .execute(&mut *conn)
        .await?;
    Ok(made.to_string())
}

/// Hands out `count` new ids of `table` (in the caller's write transaction), in order.
/// SQLite: after the highest ever given (its write lock keeps anyone else from taking them);
/// PostgreSQL: from the table's sequence, which other writers draw from too.
pub async fn reserve_ids(
    conn: &mut Conn,
    dialect: Dialect,
    table: &'static str,
    count: usize,
) -> Result<Vec<i64>, StoreError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    match dialect {
        Dialect::Sqlite => {
            let sql = format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0),
                            COALESCE((SELECT MAX(id) FROM {table}), 0))"
            );
            let last: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *conn)
                .await?;
            Ok((last + 1..=last + count as i64).collect())
        }
        Dialect::Postgres => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            );
            let mut ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(count as i64)
                .fetch_all(&mut *conn)
                .await?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// PostgreSQL: after tickets were written with ids of their own (`--keep-numbers`), the
/// sequence goes past the highest, so that the next ticket filed does not collide.
pub async fn catch_up_sequence(
    conn: &mut Conn,
    dialect: Dialect,
    table: &'static str,
) -> Result<(), StoreError> {
    if dialect == Dialect::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                    GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),
                             (SELECT last_value FROM {table}_id_seq)))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Which of `ids` are taken by a ticket.
pub async fn tickets_taken(conn: &mut Conn, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    let mut taken = Vec::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Integers formatted here, never text from the data set.
        let sql = format!("SELECT id FROM tickets WHERE id IN ({list})");
        let found: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?;
        taken.extend(found);
    }
    Ok(taken)
}

/// Writes whole tickets, their ids given.
pub async fn insert_tickets(conn: &mut Conn, tickets: &[Ticket]) -> Result<(), StoreError> {
    const COLUMNS: usize = 31;
    for chunk in tickets.chunks(ROWS_PER_STATEMENT / 2) {
        let sql = format!(
            "INSERT INTO tickets (id, organization_id, requester_id, ticket_type, class, priority, triaged,
             environment, product, subject, description, status, line, assignee_id, policy_version,
             created_at, updated_at, breached_at, next_check_at, due_at, confidential, outside_sla,
             reaction_seconds, reaction_target_seconds, reaction_due_at, resolved_at, resolution_seconds,
             resolution_target_seconds, resolution_band, filed_month, resolved_month) VALUES {}",
            Marks::of(conn).rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for t in chunk {
            query = query
                .bind(t.id)
                .bind(t.organization_id)
                .bind(t.requester_id)
                .bind(word(&t.ticket_type))
                .bind(word(&t.class))
                .bind(word(&t.priority))
                .bind(i64::from(t.triaged))
                .bind(word(&t.environment))
                .bind(t.product.clone())
                .bind(t.subject.clone())
                .bind(t.description.clone())
                .bind(word(&t.status))
                .bind(t.line)
                .bind(t.assignee_id)
                .bind(t.policy_version.clone())
                .bind(t.created_at)
                .bind(t.updated_at)
                .bind(t.breached_at)
                .bind(t.next_check_at)
                .bind(t.due_at)
                .bind(i64::from(t.confidential))
                .bind(i64::from(t.outside_sla))
                .bind(t.outcome.reaction_seconds)
                .bind(t.outcome.reaction_target_seconds)
                .bind(t.outcome.reaction_due_at)
                .bind(t.outcome.resolved_at)
                .bind(t.outcome.resolution_seconds)
                .bind(t.outcome.resolution_target_seconds)
                .bind(t.outcome.resolution_band)
                .bind(t.outcome.filed_month)
                .bind(t.outcome.resolved_month);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes events, their ids given (the order of a ticket's events is the order of their ids).
pub async fn insert_events(conn: &mut Conn, events: &[TicketEvent]) -> Result<(), StoreError> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ticket_events (id, ticket_id, at, kind, actor_id, public, body, data) VALUES {}",
            Marks::of(conn).rows(chunk.len(), 8)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            query = query
                .bind(e.id)
                .bind(e.ticket_id)
                .bind(e.at)
                .bind(word(&e.kind()))
                .bind(e.actor_id)
                .bind(i64::from(e.public))
                .bind(e.body.clone())
                .bind(e.change.data().to_string());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks alerts as sent (an imported ticket's warnings and breaches of the past are history,
/// not news).
pub async fn insert_alerts(
    conn: &mut Conn,
    alerts: &[(i64, String, i64)],
) -> Result<(), StoreError> {
    for chunk in alerts.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sla_alerts (ticket_id, alert, sent_at) VALUES {}",
            Marks::of(conn).rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (ticket, alert, at) in chunk {
            query = query.bind(*ticket).bind(alert.clone()).bind(*at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How a statement's values are marked. PostgreSQL numbers them (`$1`); SQLite gets plain
/// `?`, bound in order: SQLite looks a numbered parameter's name up by walking the list of
/// names, so binding thousands of `$n` costs the square of their number, which made a bulk
/// statement slower than a row at a time.
#[derive(Debug, Clone, Copy)]
enum Marks {
    Numbered,
    InOrder,
}

impl Marks {
    fn of(conn: &Conn) -> Marks {
        if conn.backend_name() == "PostgreSQL" {
            Marks::Numbered
        } else {
            Marks::InOrder
        }
    }

    /// `$from, $from+1, …` (or `?, ?, …`) for `count` values.
    fn list(self, count: usize, from: usize) -> String {
        (from..from + count)
            .map(|i| match self {
                Marks::Numbered => format!("${i}"),
                Marks::InOrder => "?".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `($1, …, $n), ($n+1, …)` for `count` rows of `columns`.
    fn rows(self, count: usize, columns: usize) -> String {
        (0..count)
            .map(|row| format!("({})", self.list(columns, 1 + row * columns)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_number_their_placeholders_across_rows() {
        use super::Marks;
        assert_eq!(Marks::Numbered.rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(Marks::Numbered.list(2, 2), "$2, $3");
        assert_eq!(Marks::InOrder.rows(2, 2), "(?, ?), (?, ?)");
    }
}

// ---- Reading for an export -------------------------------------------------------------

use jiff::Timestamp;

use super::col;
use crate::domain::exchange::{
    AuditLine, ComponentLine, ExclusionLine, MaintenanceLine, MonitorLine, OrganizationLine,
    OutageLine, OutageUpdateLine, PersonLine, PolicyVersionLine,
};

/// The external id of every object an export names: the one it was imported with, else the
/// desk's own name for it (`3f9a0c1e:ticket:12`).
#[derive(Debug, Default)]
pub struct Names {
    pub desk: String,
    pub imported: HashMap<&'static str, HashMap<i64, String>>,
}

impl Names {
    pub fn of(&self, kind: &'static str, id: i64) -> String {
        self.imported
            .get(kind)
            .and_then(|ids| ids.get(&id))
            .cloned()
            .unwrap_or_else(|| format!("{}:{kind}:{id}", self.desk))
    }

    pub fn of_some(&self, kind: &'static str, id: Option<i64>) -> Option<String> {
        id.map(|id| self.of(kind, id))
    }
}

fn instant(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub async fn policy_version_lines(conn: &mut Conn) -> Result<Vec<PolicyVersionLine>, StoreError> {
    Ok(super::policies::versions(conn)
        .await?
        .into_iter()
        .map(|v| PolicyVersionLine {
            id: v.version,
            policy: v.policy,
            summary_en: v.summary_en,
            summary_nl: v.summary_nl,
            effective_at: instant(v.effective_at),
            material: v.material,
            published_at: instant(v.published_at),
        })
        .collect())
}

pub async fn organization_lines(
    conn: &mut Conn,
    only: Option<i64>,
    names: &Names,
) -> Result<Vec<(i64, OrganizationLine)>, StoreError> {
    let rows = sqlx::query("SELECT * FROM organizations WHERE ($1 = 0 OR id = $1) ORDER BY id")
        .bind(only.unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            // What the domain's organisation holds, read as the desk reads it; and the two
            // columns it does not.
            let org = super::accounts::organization(row)?;
            let update_moments = col::<Option<String>>(row, "update_moments")?
                .map(|t| serde_json::from_str(&t).map_err(|e| corrupt("update_moments", e)))
                .transpose()?;
            Ok((
                org.id,
                OrganizationLine {
                    id: names.of("organization", org.id),
                    name: org.name,
                    tier: org.tier,
                    products: org.products,
                    valid_from: org.valid_from,
                    valid_until: org.valid_until,
                    policy: org.policy,
                    policy_version: org.policy_version,
                    terms: org.terms,
                    update_moments,
                    size_class: org.size_class,
                    mfa_required: col::<i64>(row, "mfa_required")? != 0,
                    created_at: instant(org.created_at),
                },
            ))
        })
        .collect()
}

/// People: of one organisation and the staff in `staff` (a customer's export), or everyone.
pub async fn person_lines(
    conn: &mut Conn,
    organization: Option<i64>,
    staff: &std::collections::HashSet<i64>,
    with_secrets: bool,
    names: &Names,
) -> Result<Vec<PersonLine>, StoreError> {
    let rows = sqlx::query("SELECT * FROM users ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut lines = Vec::new();
    for row in &rows {
        let user = super::accounts::user(row)?;
        if let Some(org) = organization
            && user.organization_id != Some(org)
            && !staff.contains(&user.id)
        {
            continue;
        }
        lines.push(PersonLine {
            id: names.of("person", user.id),
            email: user.email,
            name: user.name,
            role: user.role,
            organization: names.of_some("organization", user.organization_id),
            language: user.language,
            created_at: instant(user.created_at),
            disabled_at: user.disabled_at.map(instant),
            password_hash: if with_secrets {
                col(row, "password_hash")?
            } else {
                None
            },
            totp_secret: if with_secrets {
                col(row, "totp_secret")?
            } else {
                None
            },
            totp_enabled: with_secrets && col::<i64>(row, "totp_enabled")? != 0,
        });
    }
    Ok(lines)
}

/// A page of tickets after `after` (by id), of one organisation or all, changed since `since`.
pub async fn tickets_after(
    conn: &mut Conn,
    after: i64,
    limit: i64,
    organization: Option<i64>,
    since: Option<i64>,
) -> Result<Vec<Ticket>, StoreError> {
    let sql = format!(
        "SELECT {} FROM tickets t WHERE t.id > $1 AND ($2 = 0 OR t.organization_id = $2)
         AND t.updated_at >= $3 ORDER BY t.id LIMIT $4",
        super::tickets::TICKET_COLUMNS
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(organization.unwrap_or(0))
        .bind(since.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(super::tickets::ticket).collect()
}

/// Every event of the tickets with ids in `[from, to]`, by ticket and in order.
pub async fn events_between(
    conn: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<TicketEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM ticket_events WHERE ticket_id >= $1 AND ticket_id <= $2 ORDER BY ticket_id, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(super::tickets::event).collect()
}

/// The staff an organisation's tickets name (as actors, assignees, or in assignments), for
/// a customer's export.
pub async fn staff_of_organization(
    conn: &mut Conn,
    organization: i64,
) -> Result<std::collections::HashSet<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.actor_id, e.kind, e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.organization_id = $1",
    )
    .bind(organization)
    .fetch_all(&mut *conn)
    .await?;
    let mut people = std::collections::HashSet::new();
    for row in &rows {
        if let Some(actor) = col::<Option<i64>>(row, "actor_id")? {
            people.insert(actor);
        }
        if col::<String>(row, "kind")? == "assignment" {
            let data: serde_json::Value = serde_json::from_str(&col::<String>(row, "data")?)
                .map_err(|e| corrupt("event", e))?;
            for side in ["from", "to"] {
                if let Some(id) = data[side].as_i64() {
                    people.insert(id);
                }
            }
        }
    }
    let staff: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE role <> 'customer'")
        .fetch_all(&mut *conn)
        .await?;
    people.retain(|id| staff.contains(id));
    Ok(people)
}

/// The audit trail from `since` on, oldest first, a page after `after`.
pub async fn audit_after(
    conn: &mut Conn,
    after: i64,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<i64>, AuditLine)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, action, subject, detail FROM audit_log WHERE id > $1 AND at >= $2
         ORDER BY id LIMIT $3",
    )
    .bind(after)
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = col(row, "id")?;
            let actor: Option<i64> = col(row, "actor_id")?;
            let detail: String = col(row, "detail")?;
            Ok((
                id,
                actor,
                AuditLine {
                    id: String::new(),
                    at: instant(col(row, "at")?),
                    actor: None,
                    action: col(row, "action")?,
                    subject: col(row, "subject")?,
                    refers_to: None,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                },
            ))
        })
        .collect()
}

/// Components: one organisation's and the shared ones (a customer's export), or all.
pub async fn component_lines(
    conn: &mut Conn,
    organization: Option<i64>,
    names: &Names,
) -> Result<Vec<(i64, ComponentLine)>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM components WHERE $1 = 0 OR organization_id IS NULL OR organization_id = $1
         ORDER BY id",
    )
    .bind(organization.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = col(row, "id")?;
            Ok((
                id,
                ComponentLine {
                    id: names.of("component", id),
                    name: col(row, "name")?,
                    production: col::<i64>(row, "production")? != 0,
                    organization: names.of_some("organization", col(row, "organization_id")?),
                    ring: col(row, "ring")?,
                    created_at: instant(col(row, "created_at")?),
                },
            ))
        })
        .collect()
}

/// The monitors, outages (with their updates), maintenance windows and exclusions of the
/// components in `components`, those of the last three from `since` on. Rows are read by
/// `store::availability`'s own mappings.
pub async fn availability_lines(
    conn: &mut Conn,
    components: &[i64],
    since: i64,
    names: &Names,
) -> Result<
    (
        Vec<MonitorLine>,
        Vec<OutageLine>,
        Vec<MaintenanceLine>,
        Vec<ExclusionLine>,
    ),
    StoreError,
> {
    use super::availability as rows;
    let wanted = |component: i64| components.contains(&component);
    let read = |sql: &'static str| sqlx::query(sql).bind(since);
    let monitors = sqlx::query("SELECT * FROM monitors ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(rows::monitor)
        .filter(|m| m.as_ref().map_or(true, |m| wanted(m.component_id)))
        .map(|m| {
            m.map(|m| MonitorLine {
                id: names.of("monitor", m.id),
                component: names.of("component", m.component_id),
                monitor_type: m.kind,
                target: m.target,
                method: m.method,
                expected_status: m.expected_status,
                body_contains: m.body_contains,
                timeout_ms: m.timeout_ms,
                interval_seconds: m.interval_seconds,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Each outage's updates, from one read of them all.
    let mut updates: HashMap<i64, Vec<OutageUpdateLine>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM outage_updates ORDER BY outage_id, at, id")
        .fetch_all(&mut *conn)
        .await?
    {
        let update = rows::update(&row)?;
        updates
            .entry(update.outage_id)
            .or_default()
            .push(OutageUpdateLine {
                at: instant(update.at),
                message: update.message,
                author: names.of_some("person", update.author_id),
            });
    }
    let outages =
        read("SELECT * FROM outages WHERE ended_at IS NULL OR ended_at >= $1 ORDER BY id")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(rows::outage)
            .filter(|o| o.as_ref().map_or(true, |o| wanted(o.component_id)))
            .map(|o| {
                o.map(|o| OutageLine {
                    id: names.of("outage", o.id),
                    component: names.of("component", o.component_id),
                    started_at: instant(o.started_at),
                    ended_at: o.ended_at.map(instant),
                    ticket: names.of_some("ticket", o.ticket_id),
                    updates: updates.remove(&o.id).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
    let windows = read("SELECT * FROM maintenance_windows WHERE ends_at >= $1 ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(rows::window)
        .filter(|w| w.as_ref().map_or(true, |w| wanted(w.component_id)))
        .map(|w| {
            w.map(|w| MaintenanceLine {
                id: names.of("maintenance", w.id),
                component: names.of("component", w.component_id),
                starts_at: instant(w.starts_at),
                ends_at: instant(w.ends_at),
                emergency: w.emergency,
                work: w.work,
                impact: w.impact,
                announced_at: instant(w.announced_at),
                created_by: names.of_some("person", w.created_by),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let exclusions = read("SELECT * FROM availability_exclusions WHERE ends_at >= $1 ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(rows::exclusion)
        .filter(|e| e.as_ref().map_or(true, |e| wanted(e.component_id)))
        .map(|e| {
            e.and_then(|e| {
                Ok(ExclusionLine {
                    id: names.of("exclusion", e.id),
                    component: names.of("component", e.component_id),
                    starts_at: instant(e.starts_at),
                    ends_at: instant(e.ends_at),
                    category: super::accounts::parse_word(&e.category)?,
                    reason: e.reason,
                    created_by: names.of_some("person", e.created_by),
                    created_at: instant(e.created_at),
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((monitors, outages, windows, exclusions))
}

// ---- Writing the other objects of an import ---------------------------------------------

/// A person's secrets from a data set (`--with-secrets`), as stored.
pub async fn set_secrets(
    conn: &mut Conn,
    id: i64,
    password_hash: Option<&str>,
    totp_secret: Option<&str>,
    totp_enabled: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, totp_secret = $2, totp_enabled = $3 WHERE id = $4",
    )
    .bind(password_hash)
    .bind(totp_secret)
    .bind(i64::from(totp_enabled))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What `insert_organization` does not write: the update moments (R3) and the second factor.
pub async fn set_organization_extras(
    conn: &mut Conn,
    id: i64,
    update_moments: Option<&str>,
    mfa_required: bool,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET update_moments = $1, mfa_required = $2 WHERE id = $3")
        .bind(update_moments)
        .bind(i64::from(mfa_required))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_component_ring(
    conn: &mut Conn,
    id: i64,
    ring: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE components SET ring = $1 WHERE id = $2")
        .bind(ring)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_outage(
    conn: &mut Conn,
    component_id: i64,
    started_at: i64,
    ended_at: Option<i64>,
    ticket_id: Option<i64>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outages (component_id, started_at, ended_at, ticket_id) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(component_id)
    .bind(started_at)
    .bind(ended_at)
    .bind(ticket_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Records the source's numbers of tickets given new ones, to find them by; a number two
/// sources share stays with the first.
pub async fn record_numbers(conn: &mut Conn, numbers: &[(&str, i64)]) -> Result<(), StoreError> {
    for chunk in numbers.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO external_ids (kind, external_id, local_id) VALUES {} ON CONFLICT DO NOTHING",
            Marks::of(conn).rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (number, id) in chunk {
            query = query.bind("ticket_number").bind(*number).bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The ticket an old number (`#84512`) of an import became.
pub async fn ticket_of_number(conn: &mut Conn, number: &str) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT local_id FROM external_ids WHERE kind = 'ticket_number' AND external_id = $1",
    )
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The tickets outages opened (their names travel with the outages).
pub async fn outage_tickets(conn: &mut Conn) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT ticket_id FROM outages WHERE ticket_id IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// An audit entry of an import, its id given.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject: String,
    /// JSON.
    pub detail: String,
}

pub async fn insert_audits(conn: &mut Conn, entries: &[AuditRow]) -> Result<(), StoreError> {
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_id, action, subject, detail) VALUES {}",
            Marks::of(conn).rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(row.id)
                .bind(row.at)
                .bind(row.actor_id)
                .bind(row.action.as_str())
                .bind(row.subject.as_str())
                .bind(row.detail.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// PostgreSQL: fresh statistics of the tables an import fills. A table that grew from
/// nothing in minutes still looks empty to the planner until autovacuum comes by, and then
/// its lookups by external id are planned as scans of the whole table.
pub async fn refresh_statistics(conn: &mut Conn, dialect: Dialect) -> Result<(), StoreError> {
    if dialect == Dialect::Postgres {
        sqlx::query("ANALYZE external_ids, tickets, ticket_events")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every organisation's own policy (G2), by id: what an import measures its tickets with.
pub async fn contracts(conn: &mut Conn) -> Result<HashMap<i64, Option<String>>, StoreError> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT id, policy FROM organizations")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}
