//! The release pages. `/releases`: the next release with its notes, the instances' rings and
//! their update windows (a customer its own), and for staff every release and the form for a
//! new one. `/releases/{id}`: one release; for staff also the rollout plan before it starts,
//! its batches after, and the buttons the SaaS team follows a rollout with (start, pause,
//! resume, postpone, a batch done or failed). Every action is the API's desk call.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::releases::Ring;

use super::AppState;
use super::visitor::{Access, Visitor};
use crate::desk::{DeskError, NewRelease, Refusal};
use crate::domain::releases::{
    BatchState, NoteKind, Release, ReleaseNote, ReleaseState, UpdateWindow,
};

/// How many note lines the new-release form offers; more go through the API.
const NOTE_ROWS: usize = 6;

const NOTE_KINDS: [(NoteKind, &str, &str); 4] = [
    (NoteKind::New, "new", "releases_new"),
    (NoteKind::Improved, "improved", "releases_improved"),
    (NoteKind::Fixed, "fixed", "releases_fixed"),
    (NoteKind::Security, "security", "releases_security"),
];

fn ring_text(visitor: &Visitor, ring: Option<Ring>) -> String {
    visitor.text(&ring.map_or("ring_none".to_string(), |r| format!("ring_{}", r.as_str())))
}

fn state_text(visitor: &Visitor, state: ReleaseState) -> String {
    visitor.text(&format!("release_state_{}", state.as_str()))
}

/// A release's notes by kind, in the reader's language; a note meant for the QaaS-only rings
/// says so.
fn note_sections(visitor: &Visitor, release: &Release) -> Vec<minijinja::Value> {
    let english = visitor.language == sladesk_core::text::Language::En;
    NOTE_KINDS
        .iter()
        .filter_map(|(kind, _, key)| {
            let lines: Vec<String> = release
                .notes
                .iter()
                .filter(|n| n.kind == *kind)
                .map(|n| {
                    let text = if english { &n.en } else { &n.nl };
                    match n.ring {
                        Some(first) if first.qaas_only() => {
                            format!("{text} ({})", ring_text(visitor, Some(first)))
                        }
                        _ => text.clone(),
                    }
                })
                .collect();
            (!lines.is_empty()).then(|| context! { heading => visitor.text(key), lines => lines })
        })
        .collect()
}

fn window_rows(visitor: &Visitor, windows: &[UpdateWindow]) -> Vec<minijinja::Value> {
    windows
        .iter()
        .map(|w| {
            context! { version => &w.version, instance => &w.component_name,
            ring => ring_text(visitor, Some(w.ring)), from => visitor.time(w.starts_at),
            until => visitor.time(w.ends_at) }
        })
        .collect()
}

/// The page `/releases`.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match Visitor::from(&state, &headers).await {
        Ok(visitor) => list_page(&state, &visitor, Listed::default()).await,
        Err(response) => response,
    }
}

/// What the list page says besides the lists: why a form was refused, or a calendar address
/// just made.
#[derive(Default)]
struct Listed {
    problem: Option<String>,
    status: Option<StatusCode>,
    calendar_url: Option<String>,
}

async fn list_page(state: &AppState, visitor: &Visitor, listed: Listed) -> Response {
    let actor = &visitor.actor;
    let found = tokio::try_join!(
        state.desk.visible_tenants(actor),
        state.desk.releases(actor),
        state.desk.update_windows(actor, None),
    );
    let (tenants, releases, windows) = match found {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    let next = releases
        .iter()
        .filter(|r| r.state != ReleaseState::Done)
        .min_by(|a, b| a.planned_start.cmp(&b.planned_start));
    let tenant_rows: Vec<_> = tenants
        .iter()
        .map(|t| {
            context! { name => &t.name, organization => &t.organization_name,
            ring => ring_text(visitor, t.ring), moments => t.update_moments.join(", ") }
        })
        .collect();
    let release_rows: Vec<_> = releases
        .iter()
        .map(|r| {
            context! { id => r.id, version => &r.version, start => &r.planned_start,
            state => state_text(visitor, r.state), reason => &r.postponed_reason }
        })
        .collect();
    let kinds: Vec<_> = NOTE_KINDS
        .iter()
        .map(|(_, value, key)| context! { value => *value, label => visitor.text(key) })
        .collect();
    let title = visitor.text("releases_title");
    visitor.render(
        "releases.html",
        listed.status.unwrap_or(StatusCode::OK),
        &title,
        context! { staff => actor.is_staff(), customer => actor.own_organization().is_some(),
        calendar_url => listed.calendar_url, tenants => tenant_rows,
        windows => window_rows(visitor, &windows), releases => release_rows,
        notes => next.map(|r| note_sections(visitor, r)), problem => listed.problem,
        note_rows => (1..=NOTE_ROWS).collect::<Vec<_>>(), kinds => kinds,
        next => next.map(|r| context! { id => r.id, version => &r.version,
            start => &r.planned_start, state => state_text(visitor, r.state) }) },
    )
}

/// The page `/releases/{id}`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    match id.parse::<i64>() {
        Ok(id) if id > 0 => release_page(&state, &visitor, id, None, StatusCode::OK).await,
        _ => visitor.error(DeskError::NotFound(crate::desk::Thing::Release)),
    }
}

async fn release_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let actor = &visitor.actor;
    let view = match state.desk.release(actor, id).await {
        Ok(view) => view,
        Err(e) => return visitor.error(e),
    };
    let staff = actor.is_staff();
    let release = &view.release;
    let names: HashMap<i64, String> = match state.desk.visible_tenants(actor).await {
        Ok(tenants) => tenants
            .into_iter()
            .map(|t| (t.component_id, t.name))
            .collect(),
        Err(e) => return visitor.error(e),
    };
    let named = |ids: &[i64]| {
        ids.iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Before the start: what the rollout would be now, or why it cannot be.
    let (mut plan, mut plan_problem) = (None, None);
    if staff && release.state == ReleaseState::Planned {
        match state.desk.rollout_plan(actor, id).await {
            Ok(view) => {
                let batches: Vec<_> = view
                    .plan
                    .batches
                    .iter()
                    .map(|b| {
                        context! { number => b.number, ring => ring_text(visitor, Some(b.ring)),
                        from => visitor.time(b.starts_at.as_second()),
                        until => visitor.time(b.ends_at.as_second()),
                        instances => named(&b.tenant_ids) }
                    })
                    .collect();
                let agreed: Vec<_> = view
                    .plan
                    .agreed
                    .iter()
                    .map(|(ring, w)| {
                        context! { ring => ring_text(visitor, Some(*ring)),
                        instance => named(&[w.tenant_id]),
                        from => visitor.time(w.starts_at.as_second()),
                        until => visitor.time(w.ends_at.as_second()) }
                    })
                    .collect();
                plan = Some(context! { batches => batches, agreed => agreed,
                without_ring => named(&view.without_ring) });
            }
            Err(e) => match super::error::refused(&e, visitor.language) {
                Some((message, _)) => plan_problem = Some(message),
                None => return visitor.error(e),
            },
        }
    }
    let running = release.state == ReleaseState::RollingOut;
    let batches: Vec<_> = view
        .batches
        .iter()
        .map(|b| {
            context! { number => b.number, ring => ring_text(visitor, Some(b.ring)),
            from => visitor.time(b.starts_at), until => visitor.time(b.ends_at),
            state => visitor.text(&format!("batch_state_{}", b.state.as_str())),
            instances => named(&b.component_ids),
            open => running && b.state == BatchState::Planned }
        })
        .collect();
    let title = format!("{} {}", visitor.text("releases_version"), release.version);
    visitor.render(
        "release.html",
        status,
        &title,
        context! { staff => staff, problem => problem, notes => note_sections(visitor, release),
        release => context! { id => release.id, version => &release.version,
            start => &release.planned_start, state => state_text(visitor, release.state),
            reason => &release.postponed_reason },
        plan => plan, plan_problem => plan_problem, batches => batches,
        windows => window_rows(visitor, &view.windows),
        can_start => staff && release.state == ReleaseState::Planned,
        can_pause => staff && running,
        can_resume => staff && release.state == ReleaseState::Paused },
    )
}

/// A form that carries nothing but its CSRF token: the button is the request.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct PostponeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub planned_start: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub outcome: String,
}

/// What the SaaS team asked for on a release's page.
enum Action {
    Start,
    Pause(bool),
    Postpone {
        planned_start: String,
        reason: String,
    },
    Batch {
        number: String,
        outcome: String,
    },
}

async fn act(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    csrf: &str,
    action: Action,
) -> Response {
    let visitor = match Visitor::posting(state, headers, Access::Staff, csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return visitor.error(DeskError::NotFound(crate::desk::Thing::Release));
    };
    let actor = &visitor.actor;
    let desk = &state.desk;
    let result = match action {
        Action::Start => desk.start_rollout(actor, id).await.map(drop),
        Action::Pause(pause) => desk.pause_rollout(actor, id, pause).await.map(drop),
        Action::Postpone {
            planned_start,
            reason,
        } => desk
            .postpone_release(actor, id, &planned_start, &reason)
            .await
            .map(drop),
        Action::Batch { number, outcome } => {
            let outcome = match outcome.as_str() {
                "done" => Ok(BatchState::Done),
                "failed" => Ok(BatchState::Failed),
                other => Err(DeskError::Refused(Refusal::NotAValue {
                    given: other.into(),
                })),
            };
            match (outcome, number.parse::<i64>()) {
                (Ok(outcome), Ok(number)) if number > 0 => desk
                    .finish_batch(actor, id, number, outcome)
                    .await
                    .map(drop),
                (Err(e), _) => Err(e),
                _ => Err(DeskError::NotFound(crate::desk::Thing::RolloutBatch)),
            }
        }
    };
    match result {
        Ok(()) => Redirect::to(&format!("/releases/{id}")).into_response(),
        Err(e) => match super::error::refused(&e, visitor.language) {
            Some((message, status)) if !matches!(e, DeskError::NotFound(_)) => {
                release_page(state, &visitor, id, Some(message), status).await
            }
            _ => visitor.error(e),
        },
    }
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &headers, &id, &form.csrf, Action::Start).await
}

pub async fn pause(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &headers, &id, &form.csrf, Action::Pause(true)).await
}

pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &headers, &id, &form.csrf, Action::Pause(false)).await
}

pub async fn postpone(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PostponeForm>,
) -> Response {
    let action = Action::Postpone {
        planned_start: form.planned_start,
        reason: form.reason,
    };
    act(&state, &headers, &id, &form.csrf, action).await
}

pub async fn finish_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, number)): Path<(String, String)>,
    Form(form): Form<BatchForm>,
) -> Response {
    let action = Action::Batch {
        number,
        outcome: form.outcome,
    };
    act(&state, &headers, &id, &form.csrf, action).await
}

/// The new-release form: version, an optional start and up to [`NOTE_ROWS`] note lines,
/// each a kind with its English and Dutch text (a line left empty is no note).
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &field("csrf")).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let mut notes = Vec::new();
    for row in 1..=NOTE_ROWS {
        let (en, nl) = (field(&format!("en_{row}")), field(&format!("nl_{row}")));
        if en.is_empty() && nl.is_empty() {
            continue;
        }
        let given = field(&format!("kind_{row}"));
        let Some((kind, _, _)) = NOTE_KINDS.iter().find(|(_, value, _)| *value == given) else {
            let refusal = DeskError::Refused(Refusal::NotAValue { given });
            return refused_on_list(&state, &visitor, refusal).await;
        };
        notes.push(ReleaseNote {
            kind: *kind,
            en,
            nl,
            ring: None,
        });
    }
    let start = field("planned_start");
    let new = NewRelease {
        version: field("version"),
        planned_start: (!start.is_empty()).then_some(start),
        notes,
    };
    match state.desk.create_release(&visitor.actor, new).await {
        Ok(release) => Redirect::to(&format!("/releases/{}", release.id)).into_response(),
        Err(e) => refused_on_list(&state, &visitor, e).await,
    }
}

/// R3: a customer makes (anew) the calendar address of its own instances' update windows;
/// the page shows it this once.
pub async fn make_calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Anyone, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Some(own) = visitor.actor.own_organization() else {
        return visitor.error(DeskError::NotFound(crate::desk::Thing::Organization));
    };
    match state.desk.make_update_calendar(&visitor.actor, own).await {
        Ok(token) => {
            let url =
                super::releases::calendar_url(&state.desk.public_url, &token, visitor.language);
            list_page(
                &state,
                &visitor,
                Listed {
                    calendar_url: Some(url),
                    ..Listed::default()
                },
            )
            .await
        }
        Err(e) => refused_on_list(&state, &visitor, e).await,
    }
}

async fn refused_on_list(state: &AppState, visitor: &Visitor, error: DeskError) -> Response {
    match super::error::refused(&error, visitor.language) {
        Some((message, status)) => {
            let listed = Listed {
                problem: Some(message),
                status: Some(status),
                calendar_url: None,
            };
            list_page(state, visitor, listed).await
        }
        None => visitor.error(error),
    }
}
