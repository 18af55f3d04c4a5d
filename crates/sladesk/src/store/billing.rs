//! Consultancy and out-of-scope work (C1-C3): rows of `proposals`, `time_entries`,
//! `billing_closings` and the frozen `billing_lines` of closed months.

use std::collections::HashMap;

use sladesk_core::billing::Billed;
use sqlx::any::AnyRow;

use super::{Conn, StoreError, col};
use crate::domain::billing::{
    Basis, BillingLine, LineKind, Proposal, ProposalState, TimeEntry, parse_work_kind,
    work_kind_word,
};

fn corrupt(what: &str, word: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{word}`"))
}

fn proposal(row: &AnyRow) -> Result<Proposal, StoreError> {
    let basis: String = col(row, "basis")?;
    let kind: String = col(row, "work_kind")?;
    let state: String = col(row, "state")?;
    let mut p = Proposal {
        id: col(row, "id")?,
        ticket_id: col(row, "ticket_id")?,
        organization_id: col(row, "organization_id")?,
        basis: Basis::parse(&basis).ok_or_else(|| corrupt("proposal basis", &basis))?,
        work_kind: parse_work_kind(&kind).ok_or_else(|| corrupt("work kind", &kind))?,
        description: col(row, "description")?,
        estimate_seconds: col(row, "estimate_seconds")?,
        cents_per_hour: col(row, "cents_per_hour")?,
        minimum_seconds: col(row, "minimum_seconds")?,
        block_seconds: col(row, "block_seconds")?,
        estimate_cents: 0,
        state: ProposalState::parse(&state).ok_or_else(|| corrupt("proposal state", &state))?,
        revision: col(row, "revision")?,
        urgent_reason: col(row, "urgent_reason")?,
        created_at: col(row, "created_at")?,
        created_by: col(row, "created_by")?,
        updated_at: col(row, "updated_at")?,
        decided_at: col(row, "decided_at")?,
        decided_by: col(row, "decided_by")?,
        decided_text: col(row, "decided_text")?,
        decided_language: col(row, "decided_language")?,
    };
    p.estimate_cents = p
        .terms()
        .total(p.estimate_seconds)
        .map_err(|e| StoreError::Corrupt(format!("proposal {}: {e}", p.id)))?
        .amount_cents;
    Ok(p)
}

pub async fn insert_proposal(conn: &mut Conn, p: &Proposal) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposals (ticket_id, organization_id, basis, work_kind, description,
         estimate_seconds, cents_per_hour, minimum_seconds, block_seconds, state, revision,
         urgent_reason, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(p.ticket_id)
    .bind(p.organization_id)
    .bind(p.basis.as_str())
    .bind(work_kind_word(p.work_kind))
    .bind(&p.description)
    .bind(p.estimate_seconds)
    .bind(p.cents_per_hour)
    .bind(p.minimum_seconds)
    .bind(p.block_seconds)
    .bind(p.state.as_str())
    .bind(p.revision)
    .bind(&p.urgent_reason)
    .bind(p.created_at)
    .bind(p.created_by)
    .bind(p.updated_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Writes what may change of a proposal: its text and estimate while proposed, its state and
/// the decision.
pub async fn update_proposal(conn: &mut Conn, p: &Proposal) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE proposals SET description = $1, estimate_seconds = $2, state = $3, revision = $4,
         updated_at = $5, decided_at = $6, decided_by = $7, decided_text = $8,
         decided_language = $9 WHERE id = $10",
    )
    .bind(&p.description)
    .bind(p.estimate_seconds)
    .bind(p.state.as_str())
    .bind(p.revision)
    .bind(p.updated_at)
    .bind(p.decided_at)
    .bind(p.decided_by)
    .bind(&p.decided_text)
    .bind(&p.decided_language)
    .bind(p.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn proposal_by_id(conn: &mut Conn, id: i64) -> Result<Option<Proposal>, StoreError> {
    let row = sqlx::query("SELECT * FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(proposal).transpose()
}

/// A ticket's proposals, oldest first.
pub async fn proposals_of_ticket(
    conn: &mut Conn,
    ticket_id: i64,
) -> Result<Vec<Proposal>, StoreError> {
    let rows = sqlx::query("SELECT * FROM proposals WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(proposal).collect()
}

async fn proposals_by_ids(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<HashMap<i64, Proposal>, StoreError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM proposals WHERE id IN ({list})"
        )))
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let p = proposal(row)?;
            found.insert(p.id, p);
        }
    }
    Ok(found)
}

fn time_entry(row: &AnyRow) -> Result<TimeEntry, StoreError> {
    Ok(TimeEntry {
        id: col(row, "id")?,
        ticket_id: col(row, "ticket_id")?,
        organization_id: col(row, "organization_id")?,
        proposal_id: col(row, "proposal_id")?,
        work_date: col(row, "work_date")?,
        month: col(row, "month")?,
        seconds: col(row, "seconds")?,
        billable: col::<i64>(row, "billable")? != 0,
        note: col(row, "note")?,
        booked_at: col(row, "booked_at")?,
        booked_by: col(row, "booked_by")?,
        withdrawn_at: col(row, "withdrawn_at")?,
        withdrawn_by: col(row, "withdrawn_by")?,
        withdrawn_reason: col(row, "withdrawn_reason")?,
    })
}

pub async fn insert_time_entry(conn: &mut Conn, e: &TimeEntry) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO time_entries (ticket_id, organization_id, proposal_id, work_date, month,
         seconds, billable, note, booked_at, booked_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(e.organization_id)
    .bind(e.proposal_id)
    .bind(&e.work_date)
    .bind(e.month)
    .bind(e.seconds)
    .bind(i64::from(e.billable))
    .bind(&e.note)
    .bind(e.booked_at)
    .bind(e.booked_by)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn time_entry_by_id(conn: &mut Conn, id: i64) -> Result<Option<TimeEntry>, StoreError> {
    let row = sqlx::query("SELECT * FROM time_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(time_entry).transpose()
}

/// A ticket's bookings, withdrawn ones included, in the order they were booked.
pub async fn time_entries_of_ticket(
    conn: &mut Conn,
    ticket_id: i64,
) -> Result<Vec<TimeEntry>, StoreError> {
    let rows = sqlx::query("SELECT * FROM time_entries WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(time_entry).collect()
}

/// Withdraws a booking once; false when it was withdrawn already.
pub async fn withdraw_time_entry(
    conn: &mut Conn,
    id: i64,
    at: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE time_entries SET withdrawn_at = $1, withdrawn_by = $2, withdrawn_reason = $3
         WHERE id = $4 AND withdrawn_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The last closed month (yyyymm); every month before it is closed too.
pub async fn closed_through(conn: &mut Conn) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(month) FROM billing_closings")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Records the closing of `month`; false when it was closed already (by another replica,
/// say).
pub async fn insert_closing(
    conn: &mut Conn,
    month: i64,
    at: i64,
    by: Option<i64>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO billing_closings (month, closed_at, closed_by) VALUES ($1, $2, $3)
         ON CONFLICT (month) DO NOTHING",
    )
    .bind(month)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The earliest month with billable time booked after `after` (yyyymm), if any.
pub async fn first_billable_month_after(
    conn: &mut Conn,
    after: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(month) FROM time_entries WHERE billable = 1 AND month > $1",
    )
    .bind(after)
    .fetch_one(&mut *conn)
    .await?)
}

/// One engagement's standing for the lines of an open month.
#[derive(Debug, Clone)]
pub struct Engagement {
    pub proposal: Proposal,
    pub organization: String,
    /// What the closed months billed (their frozen lines added up).
    pub frozen: Billed,
    /// Billable time booked now (withdrawn bookings left out) before the month, and in it.
    pub booked_before: i64,
    pub booked_in_month: i64,
}

/// The engagements with billable time through `month` (yyyymm) or frozen lines, of one
/// organisation or all, by ticket and proposal.
pub async fn engagements(
    conn: &mut Conn,
    month: i64,
    organization_id: Option<i64>,
) -> Result<Vec<Engagement>, StoreError> {
    let mut booked: HashMap<i64, (i64, i64)> = HashMap::new();
    // PostgreSQL sums BIGINTs as NUMERIC: cast back to whole numbers.
    let rows = sqlx::query(
        "SELECT proposal_id,
                CAST(SUM(CASE WHEN month < $1 THEN seconds ELSE 0 END) AS BIGINT) AS booked_before,
                CAST(SUM(CASE WHEN month = $1 THEN seconds ELSE 0 END) AS BIGINT) AS booked_within
         FROM time_entries
         WHERE billable = 1 AND withdrawn_at IS NULL AND proposal_id IS NOT NULL AND month <= $1
           AND ($2 = 0 OR organization_id = $2)
         GROUP BY proposal_id",
    )
    .bind(month)
    .bind(organization_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        booked.insert(
            col(row, "proposal_id")?,
            (col(row, "booked_before")?, col(row, "booked_within")?),
        );
    }
    let mut frozen: HashMap<i64, Billed> = HashMap::new();
    let rows = sqlx::query(
        // PostgreSQL sums BIGINTs as NUMERIC: cast back to whole numbers.
        "SELECT proposal_id, CAST(SUM(booked_seconds) AS BIGINT) AS booked,
                CAST(SUM(billed_seconds) AS BIGINT) AS billed,
                CAST(SUM(amount_cents) AS BIGINT) AS amount
         FROM billing_lines WHERE month < $1 AND ($2 = 0 OR organization_id = $2)
         GROUP BY proposal_id",
    )
    .bind(month)
    .bind(organization_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        frozen.insert(
            col(row, "proposal_id")?,
            Billed {
                booked_seconds: col(row, "booked")?,
                billed_seconds: col(row, "billed")?,
                amount_cents: col(row, "amount")?,
            },
        );
    }
    let mut ids: Vec<i64> = booked.keys().chain(frozen.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut proposals = proposals_by_ids(conn, &ids).await?;
    let names = organization_names(conn).await?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(proposal) = proposals.remove(&id) else {
            return Err(StoreError::Corrupt(format!(
                "billing of unknown proposal {id}"
            )));
        };
        let (booked_before, booked_in_month) = booked.get(&id).copied().unwrap_or((0, 0));
        found.push(Engagement {
            organization: names
                .get(&proposal.organization_id)
                .cloned()
                .unwrap_or_default(),
            frozen: frozen.get(&id).copied().unwrap_or_default(),
            booked_before,
            booked_in_month,
            proposal,
        });
    }
    found.sort_by_key(|e| (e.organization.clone(), e.proposal.ticket_id, e.proposal.id));
    Ok(found)
}

async fn organization_names(conn: &mut Conn) -> Result<HashMap<i64, String>, StoreError> {
    let rows = sqlx::query("SELECT id, name FROM organizations")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| Ok((col(row, "id")?, col(row, "name")?)))
        .collect()
}

pub async fn insert_billing_line(
    conn: &mut Conn,
    month: i64,
    line: &BillingLine,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO billing_lines (month, organization_id, ticket_id, proposal_id, kind,
         booked_seconds, billed_seconds, cents_per_hour, amount_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(month)
    .bind(line.organization_id)
    .bind(line.ticket_id)
    .bind(line.proposal_id)
    .bind(line.kind.as_str())
    .bind(line.booked_seconds)
    .bind(line.billed_seconds)
    .bind(line.cents_per_hour)
    .bind(line.amount_cents)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The frozen lines of a closed month (yyyymm), of one organisation or all.
pub async fn frozen_lines(
    conn: &mut Conn,
    month: i64,
    organization_id: Option<i64>,
) -> Result<Vec<BillingLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT l.*, o.name AS organization, p.basis FROM billing_lines l
         JOIN organizations o ON o.id = l.organization_id
         JOIN proposals p ON p.id = l.proposal_id
         WHERE l.month = $1 AND ($2 = 0 OR l.organization_id = $2)
         ORDER BY o.name, l.ticket_id, l.proposal_id, l.id",
    )
    .bind(month)
    .bind(organization_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = col(row, "kind")?;
            let basis: String = col(row, "basis")?;
            let ticket_id: i64 = col(row, "ticket_id")?;
            Ok(BillingLine {
                month: month_label(month),
                organization_id: col(row, "organization_id")?,
                organization: col(row, "organization")?,
                ticket_id,
                ticket_number: crate::domain::ticket_number(ticket_id),
                proposal_id: col(row, "proposal_id")?,
                basis: Basis::parse(&basis).ok_or_else(|| corrupt("proposal basis", &basis))?,
                kind: LineKind::parse(&kind).ok_or_else(|| corrupt("line kind", &kind))?,
                booked_seconds: col(row, "booked_seconds")?,
                billed_seconds: col(row, "billed_seconds")?,
                cents_per_hour: col(row, "cents_per_hour")?,
                amount_cents: col(row, "amount_cents")?,
            })
        })
        .collect()
}

/// `202612` as `2026-12`.
pub fn month_label(month: i64) -> String {
    format!("{:04}-{:02}", month / 100, month % 100)
}
