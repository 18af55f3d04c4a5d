//! The SLA of a ticket told in plain words ("due Tuesday 28 April 2026 11:00 — 4 office hours
//! left") and the desk's (English) messages in Dutch; the pages' own texts are in the
//! catalogue (`locales/*.ftl`).

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
    let day_name = |day: usize| {
        let label = sladesk_core::calendar::weekday_label(day);
        if language == Language::En {
            label.en
        } else {
            label.nl
        }
    };
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

/// The desk's messages in Dutch: each English template (`{}` for a part that varies) with its
/// translation. The desk's errors are written once, in English (the API's language); a page
/// shows them in its reader's language through [`localize`].
const MESSAGES: &[(&str, &str)] = &[
    (
        "email address or password is not right",
        "e-mailadres of wachtwoord klopt niet",
    ),
    (
        "too many failed attempts; try again in {} seconds",
        "te veel mislukte pogingen; probeer het over {} seconden opnieuw",
    ),
    (
        "the code is not right, has expired, or was used already",
        "de code klopt niet, is verlopen of is al gebruikt",
    ),
    ("{} must be on one line", "{} moet op één regel staan"),
    (
        "`{}` contains a control character, which is not allowed",
        "`{}` bevat een stuurteken; dat is niet toegestaan",
    ),
    (
        "too many wrong codes; please sign in again",
        "te veel verkeerde codes; log opnieuw in",
    ),
    (
        "staff may not sign in from this network",
        "medewerkers mogen niet inloggen vanaf dit netwerk",
    ),
    (
        "a vulnerability report stays with admins and the SaaS team; it is not on a support line",
        "een kwetsbaarheidsmelding blijft bij de beheerders en het SaaS-team; ze staat op geen enkele supportlijn",
    ),
    (
        "nobody at the vendor can receive the report yet",
        "er is nog niemand bij de leverancier die de melding kan ontvangen",
    ),
    (
        "{} must be {} to {} characters on one line",
        "{} moet {} tot {} tekens op één regel zijn",
    ),
    (
        "description must be 1 to 100000 characters",
        "omschrijving moet 1 tot 100000 tekens zijn",
    ),
    (
        "two-factor sign-in is already set up",
        "inloggen in twee stappen is al ingesteld",
    ),
    (
        "two-factor sign-in is not set up",
        "inloggen in twee stappen is nog niet ingesteld",
    ),
    (
        "a password needs at least {} characters",
        "een wachtwoord heeft minstens {} tekens nodig",
    ),
    (
        "this password is too easy to guess; use a longer phrase",
        "dit wachtwoord is te makkelijk te raden; kies een langere zin",
    ),
    ("`{}` is not an email address", "`{}` is geen e-mailadres"),
    ("{} must not be empty", "{} mag niet leeg zijn"),
    (
        "{} is longer than {} characters",
        "{} is langer dan {} tekens",
    ),
    (
        "{} must be 1 to {} characters",
        "{} moet 1 tot {} tekens lang zijn",
    ),
    (
        "product `{}` is not covered by the contract (covered: {})",
        "product `{}` valt niet onder het contract (wel: {})",
    ),
    (
        "the contract of {} is not in force today (G1)",
        "het contract van {} is vandaag niet van kracht (G1)",
    ),
    (
        "customers can confirm a solution (closed), report it is not solved (in_progress), or reopen a closed ticket",
        "klanten kunnen een oplossing bevestigen (gesloten), melden dat het niet is opgelost (in behandeling) of een gesloten ticket heropenen",
    ),
    (
        "customers cannot write internal notes",
        "klanten kunnen geen interne notities schrijven",
    ),
    (
        "customers file tickets for their own organization",
        "klanten dienen tickets in voor hun eigen organisatie",
    ),
    (
        "only the service desk can change priority, line, assignee or type; contest the priority instead (T5)",
        "alleen de servicedesk wijzigt prioriteit, lijn, behandelaar of type; betwist de prioriteit (T5)",
    ),
    (
        "only the service desk escalates tickets",
        "alleen de servicedesk escaleert tickets",
    ),
    (
        "phone calls are recorded by the service desk",
        "telefoongesprekken legt de servicedesk vast",
    ),
    (
        "the ticket is already with the third line",
        "het ticket ligt al bij de derde lijn",
    ),
    (
        "saas_outage is a class of its own: it is set when the ticket is created and never changed",
        "SaaS-storing is een eigen klasse: die wordt bij het aanmaken gezet en nooit gewijzigd",
    ),
    (
        "a ticket cannot move from {} to {}; from {} it can move to: {}",
        "een ticket kan niet van {} naar {}; vanuit {} kan het naar: {}",
    ),
    ("line must be 1, 2 or 3", "lijn moet 1, 2 of 3 zijn"),
    (
        "assignee {} is not a staff member",
        "behandelaar {} is geen medewerker",
    ),
    ("`{}` is not a staff member", "`{}` is geen medewerker"),
    (
        "`{}` is not a valid value here",
        "`{}` is hier geen geldige waarde",
    ),
    (
        "`{}` is not a time zone (for example Europe/Amsterdam)",
        "`{}` is geen tijdzone (bijvoorbeeld Europe/Amsterdam)",
    ),
    (
        "`{}` is not a sort order (newest, oldest, updated)",
        "`{}` is geen sortering (newest, oldest, updated)",
    ),
    (
        "the search is longer than 200 characters",
        "de zoekopdracht is langer dan 200 tekens",
    ),
    ("for the service desk only", "alleen voor de servicedesk"),
    ("for administrators only", "alleen voor beheerders"),
    ("only an admin may do this", "alleen een beheerder mag dit"),
    (
        "this request was decided already",
        "over deze aanvraag is al beslist",
    ),
    ("this request was {} already", "deze aanvraag is al {}"),
    (
        "choose the organisation the person belongs to",
        "kies de organisatie waar de persoon bij hoort",
    ),
    (
        "a user with email {} already exists",
        "er bestaat al een gebruiker met e-mailadres {}",
    ),
    (
        "valid_until ({}) is before valid_from ({})",
        "geldig tot ({}) ligt voor geldig vanaf ({})",
    ),
    (
        "{}: `{}` is not a date like 2027-01-31",
        "{}: `{}` is geen datum zoals 2027-01-31",
    ),
    (
        "`{}` is not a tier (support, qaas)",
        "`{}` is geen niveau (support, qaas)",
    ),
    ("`{}` is not a role", "`{}` is geen rol"),
    ("`{}` is not an organisation", "`{}` is geen organisatie"),
    (
        "organization {} does not exist",
        "organisatie {} bestaat niet",
    ),
    (
        "this account is deactivated; ask the service desk",
        "dit account is gedeactiveerd; vraag het de servicedesk",
    ),
    (
        "you cannot deactivate yourself",
        "je kunt jezelf niet deactiveren",
    ),
    (
        "no customer has the email address {}",
        "geen klant heeft het e-mailadres {}",
    ),
    (
        "the requester belongs to another organization",
        "de aanvrager hoort bij een andere organisatie",
    ),
];

/// Names of form fields and words that appear inside the desk's messages.
const FIELDS: &[(&str, &str)] = &[
    ("subject", "onderwerp"),
    ("description", "omschrijving"),
    ("product", "product"),
    ("body", "tekst"),
    ("reason", "reden"),
    ("summary", "samenvatting"),
    ("name", "naam"),
    ("organization", "organisatie"),
    ("message", "bericht"),
    ("approved", "goedgekeurd"),
    ("rejected", "afgewezen"),
    ("new", "nieuw"),
    ("in_progress", "in behandeling"),
    ("waiting_for_customer", "wacht op klant"),
    ("waiting_for_development", "wacht op ontwikkeling"),
    ("closed", "gesloten"),
];

/// The parts of `message` that fill the `{}` of `template`, if it is that template.
fn captures<'m>(template: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let pieces: Vec<&str> = template.split("{}").collect();
    let mut rest = message.strip_prefix(pieces[0])?;
    let mut found = Vec::new();
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        let at = if last {
            // A suffix of `rest` starts on a character boundary.
            rest.ends_with(*piece).then(|| rest.len() - piece.len())?
        } else {
            rest.find(piece)?
        };
        found.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    (pieces.len() == 1 && rest.is_empty() || pieces.len() > 1).then_some(found)
}

/// A desk message in `language` (unchanged in English, or when it is not in [`MESSAGES`]).
pub fn localize(message: &str, language: Language) -> String {
    if language == Language::En {
        return message.to_string();
    }
    for (en, nl) in MESSAGES {
        let Some(parts) = captures(en, message) else {
            continue;
        };
        let mut out = String::new();
        for (i, piece) in nl.split("{}").enumerate() {
            if i > 0 {
                let part = parts.get(i - 1).copied().unwrap_or_default();
                // A part in backticks is a name or a value as the reader typed it (a JSON
                // field, a product): it stays as it is.
                let word = if out.ends_with('`') {
                    part.to_string()
                } else {
                    part.split(", ")
                        .map(|w| FIELDS.iter().find(|(e, _)| *e == w).map_or(w, |(_, n)| *n))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.push_str(&word);
            }
            out.push_str(piece);
        }
        return out;
    }
    message.to_string()
}

#[cfg(test)]
mod localize_tests {
    use super::*;

    #[test]
    fn desk_messages_read_in_dutch() {
        let nl = |m: &str| localize(m, Language::Nl);
        assert_eq!(
            nl("subject must not be empty"),
            "onderwerp mag niet leeg zijn"
        );
        assert_eq!(
            nl("too many failed attempts; try again in 30 seconds"),
            "te veel mislukte pogingen; probeer het over 30 seconden opnieuw"
        );
        assert_eq!(
            nl(
                "a ticket cannot move from new to waiting_for_development; from new it can move to: in_progress, waiting_for_customer, closed"
            ),
            "een ticket kan niet van nieuw naar wacht op ontwikkeling; vanuit nieuw kan het naar: in behandeling, wacht op klant, gesloten"
        );
        assert_eq!(
            nl("product `Toaster` is not covered by the contract (covered: Qixium, Portal)"),
            "product `Toaster` valt niet onder het contract (wel: Qixium, Portal)"
        );
        assert_eq!(
            nl("for the service desk only"),
            "alleen voor de servicedesk"
        );
        // Unknown messages and English readers get the message as it is.
        assert_eq!(nl("something else entirely"), "something else entirely");
        assert_eq!(
            localize("subject must not be empty", Language::En),
            "subject must not be empty"
        );
        // A template must match the whole message, not a part of it.
        assert_eq!(
            nl("for the service desk only, really"),
            "for the service desk only, really"
        );
    }

    #[test]
    fn every_translation_keeps_its_placeholders() {
        for (en, nl) in MESSAGES {
            assert_eq!(en.matches("{}").count(), nl.matches("{}").count(), "{en}");
        }
    }
}
