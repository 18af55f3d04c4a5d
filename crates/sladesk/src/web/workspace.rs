//! The agent workspace: queues per support line in deadline order, coloured by SLA state, with
//! counters that keep themselves up to date; and the triage tools on a ticket's page.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use minijinja::context;
use serde::Deserialize;

use super::AppState;
use super::extract::Params;
use super::portal::{act, row};
use super::visitor::Visitor;
use crate::desk::{DeskError, Refusal, TicketPatch};
use crate::domain::accounts::Role;
use crate::store::tickets::Queue;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    pub view: Option<String>,
    pub line: Option<i64>,
}

fn home_line(role: Role) -> i64 {
    match role {
        Role::SecondLine => 2,
        Role::ThirdLine => 3,
        _ => 1,
    }
}

/// A queue of open tickets, nearest deadline first.
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(query): Params<QueueQuery>,
) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let line = query.line.unwrap_or_else(|| home_line(visitor.user.role));
    if !(1..=3).contains(&line) {
        return visitor.refusal(StatusCode::BAD_REQUEST, &Refusal::LineOutOfRange.message());
    }
    let view = query.view.as_deref().unwrap_or("line");
    let chosen = match view {
        "line" => Queue::Line(line),
        "mine" => Queue::Mine(visitor.user.id),
        "unassigned" => Queue::Unassigned(line),
        "breached" => Queue::Breached(line),
        other => {
            let given = other.to_string();
            return visitor.refusal(
                StatusCode::BAD_REQUEST,
                &Refusal::NotAView { given }.message(),
            );
        }
    };
    let (views, counts) = match tokio::try_join!(
        state.desk.queue(&visitor.actor, chosen),
        state.desk.queue_counts(&visitor.actor, line)
    ) {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    let names = match state.desk.names(&visitor.actor, &views, &[]).await {
        Ok(names) => names,
        Err(e) => return visitor.error(e),
    };
    let share = state.desk.policies.base().warning_share_percent;
    let rows: Vec<_> = views
        .iter()
        .map(|v| row(v, &visitor, &names.organizations, share))
        .collect();
    let title = format!(
        "{} — {} {line}",
        visitor.text("queue"),
        visitor.text("line")
    );
    visitor.render(
        "queue.html",
        StatusCode::OK,
        &title,
        context! {
            rows => rows, counts => minijinja::value::Serde(counts), view => view, line => line,
            lines => [1, 2, 3], limit => crate::desk::QUEUE_PAGE,
        },
    )
}

/// The counters of the workspace, polled by its page to stay live.
pub async fn counts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(query): Params<QueueQuery>,
) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let line = query.line.unwrap_or_else(|| home_line(visitor.user.role));
    if !(1..=3).contains(&line) {
        return (StatusCode::BAD_REQUEST, "line must be 1, 2 or 3").into_response();
    }
    match state.desk.queue_counts(&visitor.actor, line).await {
        Ok(counts) => Json(counts).into_response(),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    pub csrf: String,
    pub priority: Option<String>,
    pub priority_reason: Option<String>,
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
    pub line: Option<String>,
    /// A staff member's id; empty unassigns.
    pub assignee: Option<String>,
    /// Sent with the triage form, so that an unticked custom-work box is told from a form
    /// without one.
    pub sla_scope: Option<String>,
    /// The custom-work checkbox (C3): present when ticked.
    pub outside_sla: Option<String>,
}

fn parse<T: std::str::FromStr>(value: Option<&str>) -> Result<Option<T>, DeskError> {
    super::portal::optional(&value.map(String::from)).map_err(DeskError::Refused)
}

/// Triage: priority (with the reason), type, line and assignee, in one change.
pub async fn triage(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TriageForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let patch = (|| -> Result<TicketPatch, DeskError> {
            Ok(TicketPatch {
                priority: parse(form.priority.as_deref())?,
                priority_reason: form.priority_reason.clone(),
                line: parse(form.line.as_deref())?,
                assignee_id: match form.assignee.as_deref().map(str::trim) {
                    None => None,
                    Some("") => Some(None),
                    Some(v) => Some(Some(v.parse().map_err(|_| {
                        DeskError::Refused(Refusal::NotAStaffMember {
                            given: v.to_string(),
                        })
                    })?)),
                },
                ticket_type: parse(form.ticket_type.as_deref())?,
                outside_sla: form.sla_scope.as_ref().map(|_| form.outside_sla.is_some()),
            })
        })();
        let result = match patch {
            Ok(patch) => state
                .desk
                .update_ticket(&visitor.actor, id, patch)
                .await
                .map(drop),
            Err(e) => Err(e),
        };
        (visitor, result)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct EscalateForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

/// T4: to the next support line.
pub async fn escalate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EscalateForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
        let result = state
            .desk
            .escalate(&visitor.actor, id, reason)
            .await
            .map(drop);
        (visitor, result)
    })
    .await
}
