//! A ticket's timeline as it arrives in JSON (the input of `sladesk sla timeline`), and its
//! conversion into the engine's [`Timeline`].

use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

use super::{Event, EventKind, Exclusion, Timeline};
use crate::tickets::{Priority, Status};

/// One timeline object: `{"class", "created_at", "events", "now"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct TimelineInput {
    pub class: Priority,
    #[serde(deserialize_with = "instant")]
    pub created_at: Timestamp,
    #[serde(default)]
    pub events: Vec<EventInput>,
    /// S5: stretches left out of the clocks.
    #[serde(default)]
    pub exclusions: Vec<ExclusionInput>,
    /// The evaluation instant; the caller's current time when absent.
    #[serde(default, deserialize_with = "optional_instant")]
    pub now: Option<Timestamp>,
}

/// S5: a stretch left out of the clocks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionInput {
    #[serde(deserialize_with = "instant")]
    pub start: Timestamp,
    #[serde(deserialize_with = "instant")]
    pub end: Timestamp,
    pub category: String,
    #[serde(default)]
    pub reason: String,
}

/// One event, tagged by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventInput {
    Response {
        #[serde(deserialize_with = "instant")]
        at: Timestamp,
    },
    Status {
        #[serde(deserialize_with = "instant")]
        at: Timestamp,
        status: Status,
    },
    Priority {
        #[serde(deserialize_with = "instant")]
        at: Timestamp,
        priority: Priority,
    },
}

impl TimelineInput {
    /// The engine's timeline and the evaluation instant (`default_now` when none is given).
    pub fn into_timeline(self, default_now: Timestamp) -> (Timeline, Timestamp) {
        let events = self
            .events
            .into_iter()
            .map(|event| match event {
                EventInput::Response { at } => Event {
                    at,
                    kind: EventKind::Response,
                },
                EventInput::Status { at, status } => Event {
                    at,
                    kind: EventKind::Status(status),
                },
                EventInput::Priority { at, priority } => Event {
                    at,
                    kind: EventKind::Priority(priority),
                },
            })
            .collect();
        let exclusions = self
            .exclusions
            .into_iter()
            .map(|e| Exclusion {
                start: e.start,
                end: e.end,
                category: e.category,
                reason: e.reason,
            })
            .collect();
        let timeline = Timeline {
            class: self.class,
            created_at: self.created_at,
            events,
            exclusions,
        };
        (timeline, self.now.unwrap_or(default_now))
    }
}

/// Parses an RFC 3339 instant that carries a UTC offset (`Z` or `+02:00`).
pub fn parse_instant(text: &str) -> Result<Timestamp, String> {
    Timestamp::from_str(text).map_err(|e| {
        format!(
            "`{text}` is not an RFC 3339 instant with a UTC offset, \
             like 2026-04-24T15:00:00+02:00 ({e})"
        )
    })
}

fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_instant(&text).map_err(serde::de::Error::custom)
}

fn optional_instant<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => parse_instant(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
