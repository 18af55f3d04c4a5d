//! The SLA checks' work list: claiming tickets whose check is due, with a lease (safe with
//! several replicas), and the alerts already sent, each recorded once.

use super::super::{Conn, Dialect, StoreError};

/// Claims up to `limit` tickets whose SLA check is due, for `lease_seconds`. Safe with many
/// replicas: a ticket leased by one is skipped by the others until the lease runs out.
pub async fn claim_due_checks(
    conn: &mut Conn,
    dialect: Dialect,
    now: i64,
    lease_seconds: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let sql = super::super::claim_sql(
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
