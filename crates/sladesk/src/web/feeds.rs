//! Feeds of the status page: Atom for incidents and maintenance (A5), iCalendar for the
//! maintenance windows (M1), made with `atom_syndication` and `icalendar`.

use atom_syndication::{EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, Text};
use axum::extract::State;
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
    chrono::DateTime::from_timestamp(t.as_second(), 0).unwrap_or_default()
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
    let host = state
        .desk
        .public_url
        .trim_end_matches('/')
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_string();
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
