//! Feeds of the status page: Atom for incidents and maintenance (A5), iCalendar for the
//! maintenance windows (M1), made with `atom_syndication` and `icalendar`.

use atom_syndication::{EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, Text};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, Event, EventLike};
use jiff::Timestamp;

use super::AppState;
use super::error::ApiError;
use super::extract::Params;
use super::language::language;
use super::status::LangParam;
use crate::notify::local_time;
use sladesk_core::text::Language;

fn chrono_utc(t: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono_second(t.as_second())
}

fn chrono_second(second: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(second, 0).unwrap_or_default()
}

fn fixed(t: Timestamp) -> FixedDateTime {
    chrono_utc(t).fixed_offset()
}

/// Incidents (with their updates) and maintenance, newest first.
pub async fn atom(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<LangParam>,
) -> Result<Response, ApiError> {
    let page = state.desk.status_page().await?;
    let lang = language(p.lang.as_deref(), &headers);
    let nl = lang == Language::Nl;
    let base = state.desk.public_url.trim_end_matches('/').to_string();
    let mut entries = Vec::new();
    for incident in &page.incidents {
        let updated = incident
            .updates
            .last()
            .map(|u| u.at)
            .into_iter()
            .chain(incident.ended_at)
            .chain([incident.started_at])
            .max()
            .unwrap_or(incident.started_at);
        let title = match (incident.ended_at.is_some(), nl) {
            (false, false) => format!("Incident: {} is unavailable", incident.component),
            (false, true) => format!("Storing: {} is niet beschikbaar", incident.component),
            (true, false) => format!("Resolved: {} is available again", incident.component),
            (true, true) => format!("Opgelost: {} is weer beschikbaar", incident.component),
        };
        let mut summary = format!(
            "{} {}",
            if nl { "Sinds" } else { "Since" },
            local_time(incident.started_at, lang)
        );
        for update in &incident.updates {
            summary += &format!("\n{}: {}", local_time(update.at, lang), update.message);
        }
        entries.push(
            EntryBuilder::default()
                .id(format!("{base}/status#incident-{}", incident.id))
                .title(Text::plain(title))
                .updated(fixed(updated))
                .summary(Some(Text::plain(summary)))
                .links(vec![
                    LinkBuilder::default()
                        .href(format!("{base}/status"))
                        .build(),
                ])
                .build(),
        );
    }
    for window in &page.maintenance {
        let title = if nl {
            format!("Onderhoud: {}", window.component)
        } else {
            format!("Maintenance: {}", window.component)
        };
        let summary = format!(
            "{} – {}\n{} — {}",
            local_time(window.starts_at, lang),
            local_time(window.ends_at, lang),
            window.work,
            window.impact
        );
        entries.push(
            EntryBuilder::default()
                .id(format!("{base}/status#maintenance-{}", window.id))
                .title(Text::plain(title))
                .updated(fixed(window.starts_at))
                .summary(Some(Text::plain(summary)))
                .links(vec![
                    LinkBuilder::default()
                        .href(format!("{base}/status"))
                        .build(),
                ])
                .build(),
        );
    }
    entries.sort_by_key(|e| std::cmp::Reverse(*e.updated()));
    let feed = FeedBuilder::default()
        .id(format!("{base}/status"))
        .title(Text::plain(if nl {
            "Status van de dienstverlening"
        } else {
            "Service status"
        }))
        .updated(fixed(page.generated_at))
        .links(vec![
            LinkBuilder::default()
                .href(format!("{base}/status/feed.atom"))
                .rel("self")
                .build(),
        ])
        .entries(entries)
        .build();
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response())
}

/// Upcoming and ongoing maintenance windows as an iCalendar feed.
pub async fn ics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let page = state.desk.status_page().await?;
    let host = host_of(&state.desk.public_url);
    let mut calendar = Calendar::new();
    calendar.name("Maintenance / Onderhoud");
    for window in &page.maintenance {
        let kind = if window.emergency {
            "Emergency maintenance / Spoedonderhoud"
        } else {
            "Maintenance / Onderhoud"
        };
        calendar.push(
            Event::new()
                .uid(&format!("maintenance-{}@{host}", window.id))
                .summary(&format!("{kind}: {}", window.component))
                .description(&format!("{}\n{}", window.work, window.impact))
                .starts(chrono_utc(window.starts_at))
                .ends(chrono_utc(window.ends_at))
                .timestamp(chrono_utc(page.generated_at))
                .done(),
        );
    }
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        calendar.done().to_string(),
    )
        .into_response())
}

/// R3: a customer's own update windows at its secret calendar address
/// (`/calendars/updates/{token}.ics`), in the language the address asks for (`?lang=nl`), or
/// in both. An unknown address is "not found".
pub async fn update_calendar(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Params(p): Params<LangParam>,
) -> Result<Response, ApiError> {
    let token = file.strip_suffix(".ics").unwrap_or("");
    let windows = state.desk.update_calendar(token).await?;
    let languages: Vec<Language> = match p.lang.as_deref() {
        Some(l) if l.starts_with("en") => vec![Language::En],
        Some(l) if l.starts_with("nl") => vec![Language::Nl],
        _ => vec![Language::En, Language::Nl],
    };
    let say = |key: &str, args: &[(&str, fluent_bundle::FluentValue<'_>)]| {
        languages
            .iter()
            .map(|l| crate::catalogue::text_with(*l, key, args))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let host = host_of(&state.desk.public_url);
    let now = chrono_utc(state.desk.clock.now());
    let mut calendar = Calendar::new();
    calendar.name(&say("calendar_updates_name", &[]));
    for w in &windows {
        let args = [
            ("version", w.version.as_str().into()),
            ("instance", w.component_name.as_str().into()),
        ];
        calendar.push(
            Event::new()
                .uid(&format!(
                    "update-{}-{}@{host}",
                    w.release_id, w.component_id
                ))
                .summary(&say("calendar_update_summary", &args))
                .description(&say("calendar_update_description", &args))
                .starts(chrono_second(w.starts_at))
                .ends(chrono_second(w.ends_at))
                .timestamp(now)
                .done(),
        );
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            // The address is the secret: no shared cache keeps a copy.
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        calendar.done().to_string(),
    )
        .into_response())
}

fn host_of(public_url: &str) -> String {
    public_url
        .trim_end_matches('/')
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_string()
}
