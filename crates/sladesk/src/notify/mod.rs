//! The mails sladesk writes, in Dutch and English. Each function returns a subject and a plain
//! text body in the recipient's language; delivery is the outbox's and the mailer's job.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sladesk_core::calendar::weekday_label;
use sladesk_core::text::Language;
use sladesk_core::tickets::Status;

use crate::domain::ticket_number;
use crate::domain::tickets::Ticket;

pub struct Mail {
    pub subject: String,
    pub body: String,
}

/// "Hello Jan," or, for someone whose name we do not know, "Hello,".
fn hello(name: &str, language: Language) -> String {
    let word = pick(language, "Hello".into(), "Hallo".into());
    match name.trim() {
        "" => format!("{word},"),
        name => format!("{word} {name},"),
    }
}

fn pick(language: Language, en: String, nl: String) -> String {
    match language {
        Language::En => en,
        Language::Nl => nl,
    }
}

fn link(public_url: &str, ticket: &Ticket) -> String {
    format!("{}/tickets/{}", public_url.trim_end_matches('/'), ticket.id)
}

/// An instant as Dutch wall time, e.g. "dinsdag 28 april 2026 11:00" / "Tuesday 28 April 2026 11:00".
pub fn local_time(instant: Timestamp, language: Language) -> String {
    local_time_in(
        instant,
        language,
        &TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC),
    )
}

/// `instant` as a person reads it in their time zone: "Tuesday 28 April 2026 11:00".
pub fn local_time_in(instant: Timestamp, language: Language, tz: &TimeZone) -> String {
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const MONTHS_NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let local = instant.to_zoned_datetime(tz.clone());
    let weekday = weekday_label(local.weekday().to_monday_zero_offset() as usize);
    let month = (local.month() - 1) as usize;
    let (weekday, month) = match language {
        Language::En => (weekday.en, MONTHS_EN[month]),
        Language::Nl => (weekday.nl, MONTHS_NL[month]),
    };
    format!(
        "{weekday} {} {month} {} {:02}:{:02}",
        local.day(),
        local.year(),
        local.hour(),
        local.minute()
    )
}

/// `working_days`: the silence after which the ticket closes, from the policy in force.
pub fn status_changed(
    ticket: &Ticket,
    to: Status,
    working_days: u32,
    language: Language,
    public_url: &str,
) -> Mail {
    let number = ticket_number(ticket.id);
    let label = to.label();
    let url = link(public_url, ticket);
    let waiting = |language| {
        crate::catalogue::text_with(
            language,
            "mail_waiting_explanation",
            &[("days", working_days.into())],
        )
    };
    let explanation = match to {
        Status::WaitingForCustomer => (waiting(Language::En), waiting(Language::Nl)),
        Status::Closed => (
            "The ticket is closed. Reply if the problem is not solved.".to_string(),
            "Het ticket is gesloten. Reageer als het probleem niet is opgelost.".to_string(),
        ),
        _ => (String::new(), String::new()),
    };
    Mail {
        subject: pick(
            language,
            format!("[{number}] Status: {}", label.en),
            format!("[{number}] Status: {}", label.nl),
        ),
        body: pick(
            language,
            format!(
                "Your ticket {number} \"{}\" now has the status {}.\n{}\n\n{url}\n",
                ticket.subject, label.en, explanation.0
            ),
            format!(
                "Je ticket {number} \"{}\" heeft nu de status {}.\n{}\n\n{url}\n",
                ticket.subject, label.nl, explanation.1
            ),
        ),
    }
}

pub fn staff_reply(ticket: &Ticket, body: &str, language: Language, public_url: &str) -> Mail {
    let number = ticket_number(ticket.id);
    let url = link(public_url, ticket);
    Mail {
        subject: pick(
            language,
            format!("[{number}] New reply: {}", ticket.subject),
            format!("[{number}] Nieuwe reactie: {}", ticket.subject),
        ),
        body: pick(
            language,
            format!(
                "The service desk replied to your ticket {number}:\n\n{body}\n\nReply in the portal: {url}\n"
            ),
            format!(
                "De servicedesk heeft gereageerd op je ticket {number}:\n\n{body}\n\nReageer in het portaal: {url}\n"
            ),
        ),
    }
}

/// Which clock and what happened to it, for SLA alerts to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    ReactionWarning,
    ReactionBreach,
    ResolutionWarning,
    ResolutionBreach,
}

pub fn sla_alert(
    ticket: &Ticket,
    alert: Alert,
    due_at: Option<Timestamp>,
    share: u8,
    language: Language,
    public_url: &str,
) -> Mail {
    let number = ticket_number(ticket.id);
    let url = link(public_url, ticket);
    let (what_en, what_nl) = match alert {
        Alert::ReactionWarning => (
            format!("{share}% of the reaction time is used"),
            format!("{share}% van de reactietijd is verbruikt"),
        ),
        Alert::ReactionBreach => (
            "the reaction time is exceeded".to_string(),
            "de reactietijd is overschreden".to_string(),
        ),
        Alert::ResolutionWarning => (
            format!("{share}% of the resolution time is used"),
            format!("{share}% van de oplostijd is verbruikt"),
        ),
        Alert::ResolutionBreach => (
            "the resolution time is exceeded".to_string(),
            "de oplostijd is overschreden".to_string(),
        ),
    };
    let due = due_at
        .map(|at| local_time(at, language))
        .unwrap_or_default();
    Mail {
        subject: pick(
            language,
            format!("[{number}] SLA: {what_en}"),
            format!("[{number}] SLA: {what_nl}"),
        ),
        body: pick(
            language,
            format!(
                "Ticket {number} \"{}\" (priority {}, line {}): {what_en}.\nDue: {due}\n\n{url}\n",
                ticket.subject,
                ticket.priority.label().en,
                ticket.line
            ),
            format!(
                "Ticket {number} \"{}\" (prioriteit {}, lijn {}): {what_nl}.\nDeadline: {due}\n\n{url}\n",
                ticket.subject,
                ticket.priority.label().nl,
                ticket.line
            ),
        ),
    }
}

pub fn auto_close_reminder(
    ticket: &Ticket,
    close_at: Timestamp,
    language: Language,
    public_url: &str,
) -> Mail {
    let number = ticket_number(ticket.id);
    let url = link(public_url, ticket);
    let when = local_time(close_at, language);
    Mail {
        subject: pick(
            language,
            format!("[{number}] Waiting for your reaction"),
            format!("[{number}] We wachten op je reactie"),
        ),
        body: pick(
            language,
            format!(
                "We are still waiting for your reaction on ticket {number} \"{}\". Without a reaction the ticket will be closed on {when}.\n\n{url}\n",
                ticket.subject
            ),
            format!(
                "We wachten nog op je reactie op ticket {number} \"{}\". Zonder reactie wordt het ticket gesloten op {when}.\n\n{url}\n",
                ticket.subject
            ),
        ),
    }
}

/// `working_days`: the silence after which it closed, from the policy in force.
pub fn auto_closed(
    ticket: &Ticket,
    working_days: u32,
    language: Language,
    public_url: &str,
) -> Mail {
    let number = ticket_number(ticket.id);
    let url = link(public_url, ticket);
    let args = [
        ("days", working_days.into()),
        ("number", number.clone().into()),
        ("subject", ticket.subject.clone().into()),
    ];
    Mail {
        subject: crate::catalogue::text_with(language, "mail_auto_closed_subject", &args),
        body: format!(
            "{}\n\n{url}\n",
            crate::catalogue::text_with(language, "mail_auto_closed_body", &args)
        ),
    }
}

pub fn confirm_subscription(confirm_url: &str, language: Language) -> Mail {
    Mail {
        subject: pick(
            language,
            "Confirm your status updates subscription".into(),
            "Bevestig je aanmelding voor statusberichten".into(),
        ),
        body: pick(
            language,
            format!(
                "Someone (hopefully you) asked to receive messages about incidents and maintenance by email.\nConfirm with this link:\n\n{confirm_url}\n\nIf it was not you, ignore this mail.\n"
            ),
            format!(
                "Iemand (hopelijk jij) heeft gevraagd om berichten over storingen en onderhoud per e-mail.\nBevestig met deze link:\n\n{confirm_url}\n\nWas jij het niet, negeer deze mail dan.\n"
            ),
        ),
    }
}

/// M1/M2: the announcement of a maintenance window, with its work and impact.
#[allow(clippy::too_many_arguments)]
pub fn maintenance_announcement(
    component: &str,
    starts: Timestamp,
    ends: Timestamp,
    emergency: bool,
    work: &str,
    impact: &str,
    language: Language,
    unsubscribe_url: &str,
) -> Mail {
    let (from, to) = (local_time(starts, language), local_time(ends, language));
    let kind_en = if emergency {
        "Emergency maintenance"
    } else {
        "Planned maintenance"
    };
    let kind_nl = if emergency {
        "Spoedonderhoud"
    } else {
        "Gepland onderhoud"
    };
    Mail {
        subject: pick(
            language,
            format!("{kind_en}: {component}, {from}"),
            format!("{kind_nl}: {component}, {from}"),
        ),
        body: pick(
            language,
            format!(
                "{kind_en} of {component}\nFrom {from} until {to} (Dutch time)\n\nWork: {work}\nImpact: {impact}\n\nUnsubscribe: {unsubscribe_url}\n"
            ),
            format!(
                "{kind_nl} aan {component}\nVan {from} tot {to} (Nederlandse tijd)\n\nWerkzaamheden: {work}\nGevolgen: {impact}\n\nAfmelden: {unsubscribe_url}\n"
            ),
        ),
    }
}

/// A5: an incident opened or resolved, for status page subscribers.
pub fn incident(
    component: &str,
    resolved: bool,
    at: Timestamp,
    language: Language,
    status_url: &str,
    unsubscribe_url: &str,
) -> Mail {
    let when = local_time(at, language);
    let (en, nl) = if resolved {
        (
            format!("Resolved: {component} is available again"),
            format!("Opgelost: {component} is weer beschikbaar"),
        )
    } else {
        (
            format!("Incident: {component} is unavailable"),
            format!("Storing: {component} is niet beschikbaar"),
        )
    };
    Mail {
        subject: pick(language, en.clone(), nl.clone()),
        body: pick(
            language,
            format!("{en} ({when}).\nProgress: {status_url}\n\nUnsubscribe: {unsubscribe_url}\n"),
            format!("{nl} ({when}).\nVoortgang: {status_url}\n\nAfmelden: {unsubscribe_url}\n"),
        ),
    }
}

/// T2: a new registration request, for the first line.
pub fn registration_received(
    name: &str,
    email: &str,
    organization: &str,
    message: &str,
    language: Language,
    public_url: &str,
) -> Mail {
    let url = format!(
        "{}/api/v1/registrations?status=pending",
        public_url.trim_end_matches('/')
    );
    Mail {
        subject: pick(
            language,
            format!("Registration request: {name} ({organization})"),
            format!("Registratieverzoek: {name} ({organization})"),
        ),
        body: pick(
            language,
            format!(
                "{name} <{email}> of {organization} asks for a portal account.\n\n{message}\n\nApprove or reject: {url}\n"
            ),
            format!(
                "{name} <{email}> van {organization} vraagt een portaalaccount aan.\n\n{message}\n\nGoedkeuren of afwijzen: {url}\n"
            ),
        ),
    }
}

/// T2: the one-time link to set a password.
pub fn activation(name: &str, link: &str, language: Language) -> Mail {
    Mail {
        subject: pick(
            language,
            "Your portal account is ready".into(),
            "Je portaalaccount staat klaar".into(),
        ),
        body: pick(
            language,
            format!(
                "Hello {name},\n\nYour account for the self-service portal has been approved. Choose your password with this link (valid for 7 days, once):\n\n{link}\n"
            ),
            format!(
                "Hallo {name},\n\nJe account voor het self-service portaal is goedgekeurd. Kies je wachtwoord met deze link (7 dagen geldig, eenmalig):\n\n{link}\n"
            ),
        ),
    }
}

pub fn registration_rejected(name: &str, reason: &str, language: Language) -> Mail {
    Mail {
        subject: pick(
            language,
            "Your registration request".into(),
            "Je registratieverzoek".into(),
        ),
        body: pick(
            language,
            format!(
                "Hello {name},\n\nWe could not approve your request for a portal account.\n{reason}\n"
            ),
            format!(
                "Hallo {name},\n\nWe konden je aanvraag voor een portaalaccount niet goedkeuren.\n{reason}\n"
            ),
        ),
    }
}

pub fn password_reset(name: &str, link: &str, language: Language) -> Mail {
    let greeting = hello(name, language);
    Mail {
        subject: pick(
            language,
            "Choose a new password".into(),
            "Kies een nieuw wachtwoord".into(),
        ),
        body: pick(
            language,
            format!(
                "{greeting}\n\nSomeone (hopefully you) asked to reset your password. Choose a new one with this link (valid for 1 hour, once):\n\n{link}\n\nA new password signs you out everywhere you are signed in.\n\nIf it was not you, ignore this mail; your password stays as it is.\n"
            ),
            format!(
                "{greeting}\n\nIemand (hopelijk jij) vroeg om je wachtwoord opnieuw in te stellen. Kies een nieuw wachtwoord met deze link (1 uur geldig, eenmalig):\n\n{link}\n\nMet een nieuw wachtwoord word je overal uitgelogd waar je nu bent ingelogd.\n\nWas jij het niet, negeer deze mail dan; je wachtwoord blijft zoals het is.\n"
            ),
        ),
    }
}

/// The password was changed: every session ended.
pub fn password_changed(name: &str, sessions_ended: u64, language: Language) -> Mail {
    let greeting = hello(name, language);
    Mail {
        subject: pick(
            language,
            "Your password was changed".into(),
            "Je wachtwoord is gewijzigd".into(),
        ),
        body: pick(
            language,
            format!(
                "{greeting}\n\nYour password for the service desk was changed just now. For your safety we signed you out everywhere ({sessions_ended} open sessions ended); sign in again with the new password.\n\nIf you did not change it, reset your password at once and tell the service desk.\n"
            ),
            format!(
                "{greeting}\n\nJe wachtwoord voor de servicedesk is zojuist gewijzigd. Voor de veiligheid hebben we je overal uitgelogd ({sessions_ended} open sessies beëindigd); log opnieuw in met het nieuwe wachtwoord.\n\nHeb jij het niet gewijzigd? Stel dan meteen een nieuw wachtwoord in en laat het de servicedesk weten.\n"
            ),
        ),
    }
}

/// Sign-in with the password was locked for a while after repeated failures.
pub fn signin_locked(name: &str, language: Language) -> Mail {
    let greeting = hello(name, language);
    Mail {
        subject: pick(
            language,
            "Failed sign-in attempts on your account".into(),
            "Mislukte inlogpogingen op je account".into(),
        ),
        body: pick(
            language,
            format!(
                "{greeting}\n\nSomeone tried to sign in to your service desk account several times with a wrong password. Further attempts are held back for a while; you can still sign in after a short wait.\n\nIf this was not you, choose a new, long password (\"Forgot your password?\" on the sign-in page) and set up two-step sign-in under your account.\n"
            ),
            format!(
                "{greeting}\n\nIemand heeft een paar keer geprobeerd in te loggen op je servicedesk-account met een verkeerd wachtwoord. Verdere pogingen worden een tijdje tegengehouden; na een korte wachttijd kun je gewoon inloggen.\n\nWas jij dit niet? Kies dan een nieuw, lang wachtwoord (\"Wachtwoord vergeten?\" op de inlogpagina) en stel inloggen in twee stappen in bij je account.\n"
            ),
        ),
    }
}

/// The second sign-in step was locked after repeated wrong codes: the password is known.
pub fn second_step_locked(name: &str, language: Language) -> Mail {
    let greeting = hello(name, language);
    Mail {
        subject: pick(
            language,
            "Wrong sign-in codes on your account: change your password".into(),
            "Verkeerde inlogcodes op je account: wijzig je wachtwoord".into(),
        ),
        body: pick(
            language,
            format!(
                "{greeting}\n\nSomeone entered your password correctly, then several wrong codes for the second sign-in step. The second step is held back for a while.\n\nIf this was not you, your password is known to someone else: choose a new one now (\"Forgot your password?\" on the sign-in page) and tell the service desk.\n"
            ),
            format!(
                "{greeting}\n\nIemand heeft je wachtwoord goed ingevuld en daarna een paar verkeerde codes voor de tweede inlogstap. De tweede stap wordt een tijdje tegengehouden.\n\nWas jij dit niet? Dan kent iemand anders je wachtwoord: kies nu een nieuw wachtwoord (\"Wachtwoord vergeten?\" op de inlogpagina) en laat het de servicedesk weten.\n"
            ),
        ),
    }
}

/// X3: the reporter's receipt.
pub fn vulnerability_receipt(name: &str, number: &str, language: Language) -> Mail {
    let greeting = hello(name, language);
    Mail {
        subject: pick(
            language,
            format!("We received your security report ({number})"),
            format!("We hebben je beveiligingsmelding ontvangen ({number})"),
        ),
        body: pick(
            language,
            format!(
                "{greeting}\n\nThank you for reporting a possible vulnerability. It is registered as {number} and only our administrators and SaaS team can read it. We answer within 5 working days by mail; please keep the details to yourself until we have fixed the problem or agreed on a date with you.\n"
            ),
            format!(
                "{greeting}\n\nDank je voor het melden van een mogelijke kwetsbaarheid. De melding staat geregistreerd als {number} en alleen onze beheerders en het SaaS-team kunnen hem lezen. We antwoorden binnen 5 werkdagen per mail; houd de details voor je tot we het probleem hebben opgelost of samen een datum hebben afgesproken.\n"
            ),
        ),
    }
}

/// X3: the SaaS team is told of a new report.
pub fn vulnerability_reported(number: &str, public_url: &str, id: i64, language: Language) -> Mail {
    let url = format!("{}/tickets/{id}", public_url.trim_end_matches('/'));
    Mail {
        subject: pick(
            language,
            format!("New confidential security report {number}"),
            format!("Nieuwe vertrouwelijke beveiligingsmelding {number}"),
        ),
        body: pick(
            language,
            format!(
                "A vulnerability report came in through the security page. Only admins and the SaaS team can open it:\n\n{url}\n"
            ),
            format!(
                "Er is een kwetsbaarheid gemeld via de beveiligingspagina. Alleen beheerders en het SaaS-team kunnen de melding openen:\n\n{url}\n"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_dutch_wall_time_in_both_languages() {
        let at: Timestamp = "2026-04-28T09:00:00Z".parse().unwrap();
        assert_eq!(local_time(at, Language::Nl), "dinsdag 28 april 2026 11:00");
        assert_eq!(local_time(at, Language::En), "Tuesday 28 April 2026 11:00");
    }
}
