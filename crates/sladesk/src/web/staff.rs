//! The staff's availability pages: the monitored components, and a component's month with
//! every interval and why it counted (A1).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::AppState;
use super::extract::Params;
use super::visitor::Visitor;
use crate::notify::local_time;

fn this_month(state: &AppState) -> String {
    let tz = state.desk.policies.base().availability.time_zone.clone();
    state
        .desk
        .clock
        .now()
        .to_zoned_datetime(tz)
        .strftime("%Y-%m")
        .to_string()
}

/// The staff's start page: the components, with links to their availability.
pub async fn staff_home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let components = match state.desk.components(&visitor.actor).await {
        Ok(list) => list
            .into_iter()
            .map(|(c, _)| context! { id => c.id, name => c.name, state => c.state.key() })
            .collect::<Vec<_>>(),
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    visitor.render(
        "staff.html",
        StatusCode::OK,
        &visitor.text("components"),
        context! { components => components, month => this_month(&state) },
    )
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub component: i64,
    pub month: Option<String>,
}

/// A1: a component's availability in a month, for staff, with every interval and why.
pub async fn staff_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ReportQuery>,
) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let language = visitor.language;
    let actor = visitor.actor.clone();
    let month = q.month.unwrap_or_else(|| this_month(&state));
    let Ok((year, month_number)) = sladesk_core::availability::parse_month(&month) else {
        return (
            StatusCode::BAD_REQUEST,
            format!("`{month}` is not a month like 2026-03"),
        )
            .into_response();
    };
    let report = match state
        .desk
        .availability(&actor, q.component, year, month_number)
        .await
    {
        Ok(report) => report,
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let name = match state.desk.components(&actor).await {
        Ok(list) => list
            .into_iter()
            .find(|(c, _)| c.id == q.component)
            .map(|(c, _)| c.name)
            .unwrap_or_default(),
        Err(e) => return super::error::ApiError::from(e).into_response(),
    };
    let duration = sladesk_core::availability::duration_text;
    let intervals: Vec<_> = report
        .intervals
        .iter()
        .map(|i| context! { start => local_time(i.start, language), end => local_time(i.end, language), seconds => i.seconds, counted => i.counted, why => i.why.clone() })
        .collect();
    let view = context! {
        availability => format!("{:.3}", report.availability_percent), target => state.desk.policies.base().availability_target_percent,
        met => report.target_met, downtime => duration(report.downtime_seconds), budget => duration(report.budget_seconds),
        left => duration(report.budget_left_seconds), month_hours => report.month_seconds / 3600, intervals => intervals,
    };
    visitor.render(
        "staff.html",
        StatusCode::OK,
        &format!("{}: {name}, {month}", visitor.text("availability")),
        context! { report => view, component_id => q.component, month => month },
    )
}
