//! The self-service portal (T1, T5): a customer's tickets, filing a new one, and a ticket's page
//! with its conversation, its SLA in plain words, and what the customer may do next. Staff see
//! the same ticket page with the triage tools of the workspace added (their posts: [`super::workspace`]).

use std::collections::HashMap;

use crate::catalogue::Label;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;
use sladesk_core::tickets::{Environment, Priority, Status, TicketType};

use super::AppState;
use super::extract::Params;
use super::upload::FormWithFiles;
use super::visitor::{Access, Visitor};
use super::words::{sla_state, sla_words};
use crate::desk::{DeskError, NewTicket, Refusal, TicketView, ticket_number};
use crate::domain::tickets::{TicketChange, TicketEvent};
use crate::notify::local_time_in;
use crate::store::tickets::{Order, TicketFilter};

const PAGE_SIZE: i64 = 50;

/// Why a stretch of a clock counted or not, from the catalogue: "paused: status Waiting for
/// Customer". (The core's explanation carries its own words, for the API and the CLI.)
fn stretch_reason(stretch: &sladesk_core::sla::ExplainedInterval, language: Language) -> String {
    let key = match (stretch.counted, stretch.status) {
        (true, _) => "sla_reason_running",
        (false, Status::Closed) => "sla_reason_stopped",
        (false, _) => "sla_reason_paused",
    };
    crate::catalogue::text_with(
        language,
        key,
        &[("status", stretch.status.label(language).into())],
    )
}

/// A form's empty field is "not given"; anything else must parse.
pub(super) fn optional<T: std::str::FromStr>(value: &Option<String>) -> Result<Option<T>, Refusal> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| Refusal::NotAValue {
            given: v.to_string(),
        }),
    }
}

/// One row of a ticket list.
pub(super) fn row(
    view: &TicketView,
    visitor: &Visitor,
    organizations: &HashMap<i64, String>,
    warning_share: u8,
) -> minijinja::Value {
    let t = &view.ticket;
    let words = sla_words(view, visitor.language, &visitor.tz, warning_share);
    let changed = visitor.time(t.updated_at);
    context! {
        id => t.id, number => ticket_number(t.id), subject => &t.subject,
        status => t.status.label(visitor.language),
        priority => t.priority.label(visitor.language),
        state => minijinja::value::Serde(words.state), state_text => words.state_text, due => words.due,
        changed => changed, line => t.line,
        organization => organizations.get(&t.organization_id),
        assigned => t.assignee_id.is_some(),
    }
}

fn choices<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    text: impl Fn(T) -> String,
) -> Vec<minijinja::Value> {
    all.iter()
        .map(|v| context! { key => key(*v), label => text(*v) })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<i64>,
}

/// The tickets a person may see: a customer their organisation's, staff all; filtered, sorted
/// and searched.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(query): Params<ListQuery>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let page_number = query.page.unwrap_or(0).clamp(0, 10_000);
    let mut filter = TicketFilter {
        limit: PAGE_SIZE + 1,
        offset: page_number * PAGE_SIZE,
        ..TicketFilter::default()
    };
    match query.status.as_deref().unwrap_or("open") {
        "" | "any" => {}
        "open" => filter.open = Some(true),
        other => match other.parse::<Status>() {
            Ok(status) => filter.status = Some(status),
            Err(_) => {
                let given = other.to_string();
                return visitor.refusal(
                    StatusCode::BAD_REQUEST,
                    &Refusal::NotAValue { given }.message(),
                );
            }
        },
    }
    match optional::<Priority>(&query.priority) {
        Ok(p) => filter.priority = p,
        Err(e) => return visitor.refusal(StatusCode::BAD_REQUEST, &e.message()),
    }
    filter.order = match query.sort.as_deref().unwrap_or("newest") {
        "" | "newest" => Order::Newest,
        "oldest" => Order::Oldest,
        "updated" => Order::Updated,
        other => {
            let given = other.to_string();
            return visitor.refusal(
                StatusCode::BAD_REQUEST,
                &Refusal::NotASortOrder { given }.message(),
            );
        }
    };
    let search = query.q.clone().unwrap_or_default();
    if search.chars().count() > 200 {
        return visitor.refusal(
            StatusCode::BAD_REQUEST,
            &Refusal::SearchTooLong { max: 200 }.message(),
        );
    }
    filter.text = Some(search.clone()).filter(|s| !s.trim().is_empty());
    let mut views = match state.desk.tickets(&visitor.actor, filter).await {
        Ok(views) => views,
        Err(e) => return visitor.error(e),
    };
    let more = views.len() as i64 > PAGE_SIZE;
    views.truncate(PAGE_SIZE as usize);
    let names = match state.desk.names(&visitor.actor, &views, &[]).await {
        Ok(names) => names,
        Err(e) => return visitor.error(e),
    };
    let share = state.desk.policies.base().warning_share_percent;
    let rows: Vec<_> = views
        .iter()
        .map(|v| row(v, &visitor, &names.organizations, share))
        .collect();
    let language = visitor.language;
    let statuses = choices(Status::ALL, Status::key, |s| s.label(language));
    let priorities = choices(Priority::ALL, Priority::key, |p| p.label(language));
    let link = |page: i64| {
        let mut params = form_urlencoded::Serializer::new(String::new());
        params.append_pair("status", query.status.as_deref().unwrap_or("open"));
        params.append_pair("priority", query.priority.as_deref().unwrap_or(""));
        params.append_pair("q", &search);
        params.append_pair("sort", query.sort.as_deref().unwrap_or("newest"));
        params.append_pair("page", &page.to_string());
        format!("/tickets?{}", params.finish())
    };
    visitor.render(
        "tickets.html",
        StatusCode::OK,
        &visitor.text("my_tickets"),
        context! {
            rows => rows, statuses => statuses, priorities => priorities,
            chosen => context! { status => query.status.as_deref().unwrap_or("open"),
                priority => query.priority.as_deref().unwrap_or(""), q => &search,
                sort => query.sort.as_deref().unwrap_or("newest") },
            next => more.then(|| link(page_number + 1)),
            previous => (page_number > 0).then(|| link(page_number - 1)),
        },
    )
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct TicketForm {
    #[serde(default, rename = "type")]
    pub ticket_type: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub urgency: String,
    /// Staff only: the organisation the ticket is for.
    #[serde(default)]
    pub organization_id: String,
    /// Staff only: the customer it is for (default: the staff member).
    #[serde(default)]
    pub requester_email: String,
    #[serde(default)]
    pub csrf: String,
}

async fn new_ticket_page(
    state: &AppState,
    visitor: &Visitor,
    form: &TicketForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let language = visitor.language;
    let products = match visitor.actor.own_organization() {
        Some(own) => match state.desk.organization(&visitor.actor, own).await {
            Ok(org) => org.products,
            Err(e) => return visitor.error(e),
        },
        None => Vec::new(),
    };
    let organizations = match visitor.user.role.is_staff() {
        true => match state.desk.organizations(&visitor.actor, 0, 500).await {
            Ok(list) => list
                .into_iter()
                .map(|o| context! { id => o.id, name => o.name })
                .collect(),
            Err(e) => return visitor.error(e),
        },
        false => Vec::new(),
    };
    let types = choices(TicketType::ALL, TicketType::key, |t| t.label(language));
    let environments = choices(Environment::ALL, Environment::key, |e| e.label(language));
    let urgencies = choices(
        &[Priority::Low, Priority::Normal, Priority::High],
        Priority::key,
        |p| p.label(language),
    );
    visitor.render(
        "new_ticket.html",
        status,
        &visitor.text("new_ticket"),
        context! {
            form => minijinja::Value::from(minijinja::value::Serde(form)), error => error, products => products,
            organizations => organizations, types => types, environments => environments,
            urgencies => urgencies, phone => &state.desk.support_phone,
            file_limit => file_size(state.desk.policies.base().attachments.max_file_bytes as i64, language),
        },
    )
}

pub async fn new_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let form = TicketForm {
        environment: "production".into(),
        urgency: "normal".into(),
        ..TicketForm::default()
    };
    new_ticket_page(&state, &visitor, &form, None, StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormWithFiles(form, files): FormWithFiles<TicketForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Anyone, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let parsed = (|| -> Result<NewTicket, DeskError> {
        Ok(NewTicket {
            organization_id: optional(&Some(form.organization_id.clone()))?,
            requester_id: None,
            ticket_type: form.ticket_type.parse().map_err(|_| Refusal::NotAValue {
                given: form.ticket_type.clone(),
            })?,
            environment: form.environment.parse().map_err(|_| Refusal::NotAValue {
                given: form.environment.clone(),
            })?,
            product: form.product.clone(),
            subject: form.subject.clone(),
            description: form.description.clone(),
            priority: None,
            urgency: optional(&Some(form.urgency.clone()))?,
        })
    })();
    let requester = match form.requester_email.trim() {
        "" => Ok(None),
        email => state
            .desk
            .customer_by_email(&visitor.actor, email)
            .await
            .map(|u| Some(u.id)),
    };
    let parsed = match (parsed, requester) {
        (Ok(new), Ok(requester_id)) => Ok(NewTicket {
            requester_id,
            ..new
        }),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let new = match parsed {
        Ok(new) => new,
        Err(e) => {
            let Some((message, status)) = super::error::refused(&e, visitor.language) else {
                return visitor.error(e);
            };
            return new_ticket_page(&state, &visitor, &form, Some(message), status).await;
        }
    };
    match state
        .desk
        .create_ticket_with_files(&visitor.actor, new, files)
        .await
    {
        Ok(view) => {
            state.metrics.tickets_created.inc();
            Redirect::to(&format!("/tickets/{}", view.ticket.id)).into_response()
        }
        Err(e) => match super::error::refused(&e, visitor.language) {
            Some((message, status)) if !matches!(e, DeskError::NotFound(_)) => {
                new_ticket_page(&state, &visitor, &form, Some(message), status).await
            }
            _ => visitor.error(e),
        },
    }
}

/// What an event of the log says on the ticket page.
fn event_entry(
    event: &TicketEvent,
    visitor: &Visitor,
    people: &HashMap<i64, String>,
) -> minijinja::Value {
    let language = visitor.language;
    let who = event
        .actor_id
        .map(|id| match id == visitor.user.id {
            true => visitor.text("you"),
            false => people.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        })
        .unwrap_or_else(|| visitor.text("system"));
    let say = |key: &str, args: &[(&str, fluent_bundle::FluentValue<'_>)]| {
        crate::catalogue::text_with(language, key, args)
    };
    let label = |known: Option<String>| known.unwrap_or_else(|| "–".to_string());
    let (style, heading) = match &event.change {
        TicketChange::Created { .. } => ("customer", say("event_created", &[])),
        TicketChange::CustomerReply {} => ("customer", say("event_replied", &[])),
        TicketChange::StaffReply {} => ("staff", say("event_replied", &[])),
        TicketChange::InternalNote {} => ("internal", visitor.text("internal_note")),
        TicketChange::PhoneCall {} => ("internal", visitor.text("phone_call")),
        TicketChange::PriorityDispute {} => ("customer", visitor.text("dispute")),
        TicketChange::Status { from, to, .. } => (
            "system",
            say(
                "event_status",
                &[
                    ("from", label(from.map(|s| s.label(language))).into()),
                    ("to", to.label(language).into()),
                ],
            ),
        ),
        TicketChange::Priority { from, to, .. } => (
            "system",
            say(
                "event_priority",
                &[
                    ("from", label(from.map(|p| p.label(language))).into()),
                    ("to", to.label(language).into()),
                ],
            ),
        ),
        TicketChange::Escalation { to, .. } => {
            ("system", say("event_escalation", &[("line", (*to).into())]))
        }
        TicketChange::Assignment { to, .. } => {
            let name = to
                .map(|id| people.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
                .unwrap_or_else(|| visitor.text("nobody"));
            ("system", format!("{}: {name}", visitor.text("assignee")))
        }
        TicketChange::TypeChange { to, .. } => (
            "system",
            format!("{}: {}", visitor.text("type"), to.label(language)),
        ),
        TicketChange::Exclusion {
            start,
            end,
            category,
        } => {
            let moment = |second: i64| visitor.time(second);
            let category = format!("exclusion_{}", crate::store::accounts::word(category));
            let args = [
                ("from", moment(*start).into()),
                ("until", moment(*end).into()),
                (
                    "category",
                    crate::catalogue::text(language, &category).into(),
                ),
            ];
            ("system", say("event_exclusion", &args))
        }
        TicketChange::Proposal { proposal_id, state } => {
            let state =
                crate::catalogue::text(language, &format!("proposal_state_{}", state.as_str()));
            let args = [("id", (*proposal_id).into()), ("state", state.into())];
            ("system", say("event_proposal", &args))
        }
        TicketChange::SlaScope { outside_sla } => (
            "system",
            say(
                match outside_sla {
                    true => "event_outside_sla",
                    false => "event_inside_sla",
                },
                &[],
            ),
        ),
    };
    let reason = match &event.change {
        TicketChange::Status { reason, .. }
        | TicketChange::Priority { reason, .. }
        | TicketChange::Escalation { reason, .. } => reason.as_deref(),
        _ => None,
    }
    .filter(|r| !r.is_empty());
    let when = visitor.time(event.at);
    context! { style => style, who => who, heading => heading, body => &event.body, reason => reason, when => when }
}

/// Today in the policy's time zone, like `2026-12-01` (the booking form's default date).
fn visitor_today(state: &AppState) -> String {
    let tz = state.desk.policies.base().availability.time_zone.clone();
    state
        .desk
        .clock
        .now()
        .to_zoned_datetime(tz)
        .date()
        .to_string()
}

/// What the page offers a customer to do with their ticket now.
fn customer_moves(status: Status) -> Vec<(&'static str, Status)> {
    match status {
        Status::WaitingForCustomer => vec![
            ("solved", Status::Closed),
            ("not_solved", Status::InProgress),
        ],
        Status::Closed => vec![("reopen", Status::InProgress)],
        _ => Vec::new(),
    }
}

pub(super) async fn ticket_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    // With the explanation: every stretch of the clocks, whether it counted and why.
    let (view, events) = match state
        .desk
        .ticket_with_events(&visitor.actor, id, true)
        .await
    {
        Ok(found) => found,
        Err(e) => return visitor.error(e),
    };
    let names = match state
        .desk
        .names(&visitor.actor, std::slice::from_ref(&view), &events)
        .await
    {
        Ok(names) => names,
        Err(e) => return visitor.error(e),
    };
    let language = visitor.language;
    let t = &view.ticket;
    let share = state.desk.policies.base().warning_share_percent;
    let words = sla_words(&view, language, &visitor.tz, share);
    let around_the_clock = t.priority == Priority::SaasOutage;
    let stretches =
        |intervals: &Option<Vec<sladesk_core::sla::ExplainedInterval>>| -> Vec<minijinja::Value> {
            intervals
            .iter()
            .flatten()
            .map(|i| {
                context! {
                    from => local_time_in(i.start, language, &visitor.tz),
                    until => local_time_in(i.end, language, &visitor.tz),
                    status => i.status.label(language),
                    time => super::words::sla_duration(i.business_seconds, around_the_clock, language),
                    counted => i.counted, reason => stretch_reason(i, language),
                }
            })
            .collect()
        };
    let explained = context! {
        reaction => stretches(&view.sla.reaction.intervals),
        resolution => stretches(&view.sla.resolution.intervals),
    };
    let files = match state.desk.attachments(&visitor.actor, id).await {
        Ok(files) => files,
        Err(e) => return visitor.error(e),
    };
    let conversation: Vec<_> = events
        .iter()
        .map(|e| {
            let on_event: Vec<_> = files
                .iter()
                .filter(|f| f.event_id == e.id)
                .map(|f| {
                    context! {
                        id => f.id, name => &f.name, size => file_size(f.size, language),
                        checking => f.state != crate::domain::attachments::FileState::Available,
                        preview => shows_as_image(f),
                    }
                })
                .collect();
            (event_entry(e, visitor, &names.people), on_event)
        })
        .map(|(entry, files)| context! { files => files, ..entry })
        .collect();
    let urgency = events.iter().find_map(|e| match e.change {
        TicketChange::Created { urgency, .. } => urgency,
        _ => None,
    });
    let staff = visitor.user.role.is_staff();
    let moves: Vec<_> = if staff {
        t.status
            .allowed_moves()
            .into_iter()
            .map(|s| context! { key => s.key(), label => s.label(language) })
            .collect()
    } else {
        customer_moves(t.status)
            .into_iter()
            .map(|(text, s)| context! { key => s.key(), label => visitor.text(text) })
            .collect()
    };
    let billing = match state.desk.ticket_billing(&visitor.actor, id).await {
        Ok(found) => super::billing_pages::ticket_section(visitor, &found, &names.people),
        Err(e) => return visitor.error(e),
    };
    let workspace = if staff {
        match triage_choices(state, visitor, &view).await {
            Ok(values) => Some(values),
            Err(response) => return response,
        }
    } else {
        None
    };
    visitor.render(
        "ticket.html",
        status,
        &format!("{} {}", ticket_number(t.id), t.subject),
        context! {
            ticket => context! {
                id => t.id, number => ticket_number(t.id), subject => &t.subject,
                status => t.status.label(language), status_key => t.status.key(),
                priority => t.priority.label(language), priority_key => t.priority.key(),
                type => t.ticket_type.label(language), type_key => t.ticket_type.key(),
                environment => t.environment.label(language), product => &t.product,
                line => t.line, organization => names.organizations.get(&t.organization_id),
                requester => names.people.get(&t.requester_id),
                assignee => t.assignee_id.and_then(|a| names.people.get(&a)),
                closed => t.status == Status::Closed, triaged => t.triaged, urgency => urgency.map(|p| p.label(language)),
                urgency_key => urgency.map(Priority::key), policy_version => &t.policy_version,
                outside_sla => t.outside_sla,
            },
            sla => minijinja::Value::from(minijinja::value::Serde(&words)),
            state => minijinja::value::Serde(sla_state(&view, share)),
            conversation => conversation, moves => moves, notice => notice,
            phone => &state.desk.support_phone, explained => explained,
            workspace => workspace, billing => billing,
            today => visitor_today(state),
            file_limit => file_size(view.policy.attachments.max_file_bytes as i64, language),
        },
    )
}

fn file_size(bytes: i64, language: Language) -> String {
    crate::notify::file_size(u64::try_from(bytes).unwrap_or(0), language)
}

/// Files shown on the ticket page as a picture: raster images (never SVG, which carries
/// script) of at most 2 MiB.
fn shows_as_image(file: &crate::domain::attachments::Attachment) -> bool {
    crate::files::safe_to_show_inline(&file.media_type) && file.size <= 2 * 1024 * 1024
}

/// A picture of a ticket's files, shown on its page (T5): only what `shows_as_image` allows,
/// with the type its bytes have, in a sandbox.
pub async fn file_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, file)): Path<(i64, i64)>,
) -> Response {
    let visitor = match Visitor::returning(&state, &headers, Some(&format!("/tickets/{id}"))).await
    {
        Ok(v) => v,
        Err(response) => return response,
    };
    match state.desk.attachment(&visitor.actor, file).await {
        Ok((found, bytes)) if found.ticket_id == id && shows_as_image(&found) => (
            [
                (axum::http::header::CONTENT_TYPE, found.media_type.clone()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "inline".to_string(),
                ),
                (
                    axum::http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".to_string(),
                ),
                (
                    axum::http::header::CACHE_CONTROL,
                    "private, max-age=3600".to_string(),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(_) => visitor.error(DeskError::NotFound(crate::desk::Thing::Attachment)),
        Err(e) => visitor.error(e),
    }
}

/// A file of a ticket, for whoever may see the event it came with (T5), as a download.
pub async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, file)): Path<(i64, i64)>,
) -> Response {
    let visitor = match Visitor::returning(&state, &headers, Some(&format!("/tickets/{id}"))).await
    {
        Ok(v) => v,
        Err(response) => return response,
    };
    match state.desk.attachment(&visitor.actor, file).await {
        Ok((found, bytes)) if found.ticket_id == id => {
            super::attachments::file_response(&found.name, bytes)
        }
        Ok(_) => visitor.error(DeskError::NotFound(crate::desk::Thing::Attachment)),
        Err(e) => visitor.error(e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let visitor = match Visitor::returning(&state, &headers, Some(&format!("/tickets/{id}"))).await
    {
        Ok(v) => v,
        Err(response) => return response,
    };
    // Ids that are not numbers are simply tickets that do not exist.
    let Ok(id) = id.trim_start_matches("T-").parse::<i64>() else {
        return visitor.refusal(
            StatusCode::NOT_FOUND,
            &crate::catalogue::Message::new("not_found"),
        );
    };
    ticket_page(&state, &visitor, id, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub to: String,
    /// Staff: "note" for an internal note, "call" for a phone call; otherwise a public reply.
    #[serde(default)]
    pub kind: String,
}

/// Runs a ticket action of a form and shows the ticket again: after success by redirecting
/// (so that reloading does not repeat it), after a refusal with the reason.
pub(super) async fn act<F, Fut>(
    state: AppState,
    headers: HeaderMap,
    id: i64,
    csrf: &str,
    action: F,
) -> Response
where
    F: FnOnce(AppState, Visitor) -> Fut,
    Fut: std::future::Future<Output = (Visitor, Result<(), crate::desk::DeskError>)>,
{
    let visitor = match Visitor::posting(&state, &headers, Access::Anyone, csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let (visitor, result) = action(state.clone(), visitor).await;
    match result {
        Ok(()) => Redirect::to(&format!("/tickets/{id}")).into_response(),
        Err(e) => match super::error::refused(&e, visitor.language) {
            // A refusal is told on the ticket's own page, above the form that was sent.
            Some((message, status)) if !matches!(e, DeskError::NotFound(_)) => {
                ticket_page(&state, &visitor, id, Some(message), status).await
            }
            _ => visitor.error(e),
        },
    }
}

/// A reply, an internal note (both with files, T5) or a phone call.
pub async fn reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    FormWithFiles(form, files): FormWithFiles<ActionForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let result = match form.kind.as_str() {
            "note" => state
                .desk
                .comment_with_files(&visitor.actor, id, &form.body, false, files)
                .await
                .map(drop),
            "call" if !files.is_empty() => Err(DeskError::Refused(Refusal::FilesNotOnCalls)),
            "call" => state
                .desk
                .phone_call(&visitor.actor, id, &form.body)
                .await
                .map(drop),
            _ => state
                .desk
                .comment_with_files(&visitor.actor, id, &form.body, true, files)
                .await
                .map(drop),
        };
        (visitor, result)
    })
    .await
}

pub async fn move_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let result = match form.to.parse::<Status>() {
            Ok(to) => {
                let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
                state
                    .desk
                    .transition(&visitor.actor, id, to, reason)
                    .await
                    .map(drop)
            }
            Err(_) => Err(DeskError::Refused(Refusal::NotAValue {
                given: form.to.clone(),
            })),
        };
        (visitor, result)
    })
    .await
}

pub async fn dispute(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    let csrf = form.csrf.clone();
    act(state, headers, id, &csrf, |state, visitor| async move {
        let result = state
            .desk
            .dispute_priority(&visitor.actor, id, &form.reason)
            .await
            .map(drop);
        (visitor, result)
    })
    .await
}

/// What the triage tools on a ticket's page offer staff.
async fn triage_choices(
    state: &AppState,
    visitor: &Visitor,
    view: &TicketView,
) -> Result<minijinja::Value, Response> {
    let language = visitor.language;
    let staff = state
        .desk
        .staff_members(&visitor.actor)
        .await
        .map_err(|e| visitor.error(e))?;
    let outage = view.ticket.class == Priority::SaasOutage;
    let priorities: Vec<_> = Priority::ALL
        .iter()
        .filter(|p| (**p == Priority::SaasOutage) == outage)
        .map(|p| context! { key => p.key(), label => p.label(language) })
        .collect();
    let types: Vec<_> = TicketType::ALL
        .iter()
        .map(|t| context! { key => t.key(), label => t.label(language) })
        .collect();
    let people: Vec<_> = staff
        .iter()
        .map(|u| context! { id => u.id, name => &u.name })
        .collect();
    Ok(context! {
        priorities => priorities, types => types, people => people, lines => [1, 2, 3],
        assignee_id => view.ticket.assignee_id, me => visitor.user.id,
        can_escalate => view.ticket.line < 3 && view.ticket.status != sladesk_core::tickets::Status::Closed,
        next_line => view.ticket.line + 1,
    })
}
