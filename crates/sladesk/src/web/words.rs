//! The SLA of a ticket told in plain words ("due Tuesday 28 April 2026 11:00 — 4 office hours
//! left"), from the catalogue (`locales/*.ftl`).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use sladesk_core::sla::ClockState;
use sladesk_core::text::Language;
use sladesk_core::tickets::{Priority, Status};

use crate::desk::TicketView;
use crate::notify::local_time_in;

/// A calendar's opening hours in words, from the policy in force: "Office hours: Monday to
/// Friday 08:30–16:30, Dutch time, not on Dutch public holidays."
pub fn office_hours(calendar: &sladesk_core::calendar::Calendar, language: Language) -> String {
    let rules = calendar.rules();
    let clock = |seconds: u32| format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60);
    let windows = |day: usize| {
        rules.hours[day]
            .iter()
            .map(|w| format!("{}–{}", clock(w.start()), clock(w.end())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let day_name = |day: usize| crate::catalogue::weekday(language, day);
    // Runs of consecutive open days with the same hours: "Monday to Friday 08:30–16:30".
    let mut runs: Vec<(usize, usize, String)> = Vec::new();
    for day in 0..7 {
        let hours = windows(day);
        if hours.is_empty() {
            continue;
        }
        match runs.last_mut() {
            Some((_, last, same)) if *last + 1 == day && *same == hours => *last = day,
            _ => runs.push((day, day, hours)),
        }
    }
    let hours = runs
        .iter()
        .map(|(first, last, hours)| {
            let days = if first == last {
                day_name(*first)
            } else {
                crate::catalogue::text_with(
                    language,
                    "days_range",
                    &[
                        ("first", day_name(*first).into()),
                        ("last", day_name(*last).into()),
                    ],
                )
            };
            format!("{days} {hours}")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let zone = calendar
        .time_zone()
        .iana_name()
        .unwrap_or("UTC")
        .to_string();
    let dutch = if zone == "Europe/Amsterdam" {
        "yes"
    } else {
        "no"
    };
    crate::catalogue::text_with(
        language,
        "office_hours_note",
        &[
            ("hours", hours.into()),
            ("dutch", dutch.into()),
            ("zone", zone.into()),
        ],
    )
}

/// A length of SLA time: office hours, or real hours for a ticket handled around the clock.
pub fn sla_duration(seconds: i64, around_the_clock: bool, language: Language) -> String {
    let seconds = seconds.max(0);
    let (hours, minutes) = (seconds / 3600, (seconds % 3600 + 59) / 60);
    let (hours, minutes) = if minutes == 60 {
        (hours + 1, 0)
    } else {
        (hours, minutes)
    };
    let hours_text = || {
        let key = if around_the_clock {
            "duration_hours"
        } else {
            "duration_office_hours"
        };
        crate::catalogue::text_with(language, key, &[("hours", hours.into())])
    };
    let minutes_text = || {
        crate::catalogue::text_with(language, "duration_minutes", &[("minutes", minutes.into())])
    };
    match (hours, minutes) {
        (0, _) => minutes_text(),
        (_, 0) => hours_text(),
        _ => format!("{} {}", hours_text(), minutes_text()),
    }
}

/// A ticket's SLA state as the queue colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Ok,
    Warning,
    Breached,
    Paused,
    Done,
}

impl SlaState {
    pub fn key(self) -> &'static str {
        match self {
            SlaState::Ok => "state_ok",
            SlaState::Warning => "state_warning",
            SlaState::Breached => "state_breached",
            SlaState::Paused => "state_paused",
            SlaState::Done => "state_done",
        }
    }
}

/// The state of a ticket's SLA now: breached wins, then a running clock past its warning
/// share, then paused while waiting.
pub fn sla_state(view: &TicketView, warning_share_percent: u8) -> SlaState {
    let sla = &view.sla;
    if sla.reaction.breached || sla.resolution.breached {
        return SlaState::Breached;
    }
    if view.ticket.status == Status::Closed {
        return SlaState::Done;
    }
    let share = i64::from(warning_share_percent);
    let warned = |elapsed: i64, target: i64| target > 0 && elapsed * 100 >= target * share;
    let reaction_open = sla.reaction.met_at.is_none();
    if (reaction_open && warned(sla.reaction.elapsed_seconds, sla.reaction.target_seconds))
        || (sla.resolution.state == ClockState::Running
            && warned(
                sla.resolution.elapsed_seconds,
                sla.resolution.target_seconds,
            ))
    {
        return SlaState::Warning;
    }
    if sla.resolution.state == ClockState::Paused && !reaction_open {
        return SlaState::Paused;
    }
    SlaState::Ok
}

/// A ticket's SLA in sentences, for its page and its row in a list.
#[derive(Debug, Clone, Serialize)]
pub struct SlaWords {
    pub state: SlaState,
    pub state_text: String,
    pub reaction: String,
    pub resolution: String,
    /// The nearest deadline in short, for lists.
    pub due: String,
    pub auto_close: Option<String>,
    pub hours_note: String,
}

pub fn sla_words(
    view: &TicketView,
    language: Language,
    tz: &TimeZone,
    warning_share_percent: u8,
) -> SlaWords {
    let around_the_clock = view.ticket.priority == Priority::SaasOutage;
    let when = |t: Timestamp| local_time_in(t, language, tz);
    let left =
        |target: i64, elapsed: i64| sla_duration(target - elapsed, around_the_clock, language);
    let sla = &view.sla;
    let state = sla_state(view, warning_share_percent);

    let say = |key: &str, args: &[(&str, fluent_bundle::FluentValue<'_>)]| {
        crate::catalogue::text_with(language, key, args)
    };
    let r = &sla.reaction;
    let reaction = match (r.met_at, r.breached) {
        (Some(at), false) => say("sla_reaction_met", &[("at", when(at).into())]),
        (Some(at), true) => say(
            "sla_reaction_late",
            &[("at", when(at).into()), ("due", when(r.due_at).into())],
        ),
        (None, true) => say("sla_reaction_breached", &[("due", when(r.due_at).into())]),
        (None, false) if view.ticket.status == Status::Closed => {
            say("sla_reaction_not_needed", &[])
        }
        (None, false) => say(
            "sla_reaction_running",
            &[
                ("due", when(r.due_at).into()),
                ("left", left(r.target_seconds, r.elapsed_seconds).into()),
            ],
        ),
    };

    let s = &sla.resolution;
    let used = sla_duration(s.elapsed_seconds, around_the_clock, language);
    let target = sla_duration(s.target_seconds, around_the_clock, language);
    let spent = [("used", used.into()), ("target", target.into())];
    let resolution = match (s.state, s.breached) {
        (ClockState::Stopped, false) => say("sla_resolution_met", &spent),
        (ClockState::Stopped, true) => say("sla_resolution_breached", &spent),
        (ClockState::Paused, breached) => {
            let why = say(
                if view.ticket.status == Status::WaitingForCustomer {
                    "sla_paused_for_customer"
                } else {
                    "sla_paused_for_development"
                },
                &[],
            );
            let [used, target] = spent;
            say(
                "sla_resolution_paused",
                &[
                    ("why", why.into()),
                    used,
                    target,
                    ("breached", if breached { "yes" } else { "no" }.into()),
                ],
            )
        }
        (ClockState::Running, true) => match s.due_at {
            Some(due) => say(
                "sla_resolution_running_breached_since",
                &[("due", when(due).into())],
            ),
            None => say("sla_resolution_running_breached", &[]),
        },
        (ClockState::Running, false) => say(
            "sla_resolution_running",
            &[
                ("due", s.due_at.map(when).unwrap_or_default().into()),
                ("left", left(s.target_seconds, s.elapsed_seconds).into()),
            ],
        ),
    };

    let nearest = view
        .ticket
        .due_at
        .and_then(|d| Timestamp::from_second(d).ok());
    let due = match (state, nearest) {
        (SlaState::Paused, _) => String::new(),
        (_, Some(d)) => when(d),
        _ => String::new(),
    };
    let auto_close = sla.auto_close_at.map(|at| {
        crate::catalogue::text_with(language, "sla_auto_close", &[("at", when(at).into())])
    });
    let hours_note = if around_the_clock {
        text(language, "around_the_clock_note")
    } else {
        office_hours(&view.policy.targets(view.ticket.class).calendar, language)
    };
    SlaWords {
        state,
        state_text: text(language, state.key()),
        reaction,
        resolution,
        due,
        auto_close,
        hours_note,
    }
}

/// One text of [`TEXTS`] in `language`; the key itself if it is missing.
pub fn text(language: Language, key: &str) -> String {
    crate::catalogue::text(language, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_office_hours_or_hours() {
        assert_eq!(
            sla_duration(4 * 3600, false, Language::En),
            "4 office hours"
        );
        assert_eq!(sla_duration(3600, false, Language::Nl), "1 kantooruur");
        assert_eq!(
            sla_duration(5400, false, Language::En),
            "1 office hour 30 min"
        );
        assert_eq!(sla_duration(2 * 3600, true, Language::Nl), "2 uur");
        // Partial minutes round up: "1 min left" until the deadline, never "0 min".
        assert_eq!(sla_duration(30, false, Language::En), "1 min");
        assert_eq!(sla_duration(3599, false, Language::En), "1 office hour");
        assert_eq!(sla_duration(-5, false, Language::En), "0 min");
    }
}
