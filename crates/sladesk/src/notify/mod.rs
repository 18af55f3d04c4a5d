//! The mails sladesk writes, in the recipient's language. Their words are in the catalogue
//! (`locales/*.ftl`, keys `mail_…`); each function here lays them out as a subject and a plain
//! text body. Delivery is the outbox's and the mailer's job.

mod billing;
mod fairuse;

pub use billing::{proposal, proposal_decided, proposal_text};
pub use fairuse::{fair_use_decided, fair_use_opened, fair_use_rechecked};

use crate::catalogue::Label;
use fluent_bundle::FluentValue;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sladesk_core::text::Language;
use sladesk_core::tickets::Status;

use crate::domain::ticket_number;
use crate::domain::tickets::Ticket;

pub struct Mail {
    pub subject: String,
    pub body: String,
}

/// A text of the catalogue in `language`, with its arguments.
fn tr(language: Language, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    crate::catalogue::text_with(language, key, args)
}

/// "Hello Jan," or, for someone whose name we do not know, "Hello,".
fn hello(name: &str, language: Language) -> String {
    match name.trim() {
        "" => tr(language, "mail_hello_anonymous", &[]),
        name => tr(language, "mail_hello", &[("name", name.into())]),
    }
}

/// A mail body of paragraphs, separated by blank lines (a paragraph may hold line breaks).
fn paragraphs<const N: usize>(parts: [String; N]) -> String {
    let mut body = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    body.push('\n');
    body
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
    let local = instant.to_zoned_datetime(tz.clone());
    let weekday =
        crate::catalogue::weekday(language, local.weekday().to_monday_zero_offset() as usize);
    let month = crate::catalogue::text(language, &format!("month_{}", local.month()));
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
    let status = to.label(language);
    let explanation = match to {
        Status::WaitingForCustomer => tr(
            language,
            "mail_waiting_explanation",
            &[("days", working_days.into())],
        ),
        Status::Closed => tr(language, "mail_closed_explanation", &[]),
        _ => String::new(),
    };
    let args = [
        ("number", number.clone().into()),
        ("subject", ticket.subject.clone().into()),
        ("status", status.into()),
    ];
    let news = tr(language, "mail_status_body", &args);
    Mail {
        subject: tr(language, "mail_status_subject", &args),
        body: paragraphs([
            format!("{news}\n{explanation}").trim_end().to_string(),
            link(public_url, ticket),
        ]),
    }
}

/// G3: a new version of the SLA, announced to a customer contact: what changed, from when,
/// and for a material change the right to terminate until `closes_at`.
/// S3: the monthly SLA report's headline for `scope` (an organisation's name, or the whole
/// desk), with a link to the whole report.
pub fn monthly_report(
    month: &str,
    scope: &str,
    headline: &sladesk_core::report::Headline,
    url: &str,
    language: Language,
) -> Mail {
    use crate::catalogue::share;
    let args = [("month", month.into()), ("scope", scope.into())];
    let line = |key: &str, value: String| {
        tr(
            language,
            "report_mail_line",
            &[
                ("what", crate::catalogue::text(language, key).into()),
                ("value", value.into()),
            ],
        )
    };
    let figures = [
        line("report_filed", headline.opened.to_string()),
        line("report_closed", headline.resolved.to_string()),
        line(
            "report_reaction_met",
            share(headline.reaction_met_percent, language),
        ),
        line(
            "report_resolution_met",
            share(headline.resolved_within_target_percent, language),
        ),
    ]
    .join("\n");
    Mail {
        subject: tr(language, "report_mail_subject", &args),
        body: paragraphs([
            tr(language, "report_mail_intro", &args),
            figures,
            tr(language, "report_mail_link", &[("url", url.into())]),
            tr(language, "report_mail_preference", &[]),
        ]),
    }
}

pub fn policy_announced(
    version: &crate::domain::policies::PolicyVersion,
    closes_at: Option<i64>,
    language: Language,
    public_url: &str,
) -> Mail {
    let tz = TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC);
    let when = |second: i64| {
        Timestamp::from_second(second)
            .map(|t| local_time_in(t, language, &tz))
            .unwrap_or_default()
    };
    let url = format!(
        "{}/policies/{}",
        public_url.trim_end_matches('/'),
        version.version
    );
    let args = [
        ("version", version.version.clone().into()),
        ("effective", when(version.effective_at).into()),
        ("url", url.into()),
    ];
    // A non-material change gives no right to terminate: that paragraph is left out.
    let right = closes_at
        .map(|until| {
            tr(
                language,
                "mail_policy_material",
                &[("until", when(until).into())],
            )
        })
        .unwrap_or_default();
    Mail {
        subject: tr(language, "mail_policy_subject", &args),
        body: paragraphs([
            tr(language, "mail_policy_intro", &args),
            version.summary(language).to_string(),
            right,
            tr(language, "mail_policy_read", &args),
        ]),
    }
}

/// T1: the receipt of a new ticket, for its requester: its number (what a phone call quotes),
/// the priority as filed, and when the desk reacts at the latest.
/// The deadline is told in the requester's own time zone.
pub fn ticket_received(
    ticket: &Ticket,
    reaction_due: Timestamp,
    language: Language,
    tz: &TimeZone,
    public_url: &str,
) -> Mail {
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
        ("priority", ticket.priority.label(language).into()),
        ("due", local_time_in(reaction_due, language, tz).into()),
    ];
    Mail {
        subject: tr(language, "mail_received_subject", &args),
        body: paragraphs([
            tr(language, "mail_received_body", &args),
            format!(
                "{}\n{}",
                tr(language, "mail_received_priority", &args),
                tr(language, "mail_received_reaction", &args)
            ),
            link(public_url, ticket),
        ]),
    }
}

/// T1: the one answer to a mail that continues no ticket: new tickets are filed in the portal.
/// In the sender's language where the desk knows it, else in both.
pub fn unmatched_mail(subject: &str, language: Option<Language>, public_url: &str) -> Mail {
    let url = format!("{}/tickets/new", public_url.trim_end_matches('/'));
    let args = [("subject", subject.into()), ("url", url.into())];
    let in_language = |language: Language| {
        paragraphs([
            tr(language, "mail_unmatched_body", &args),
            tr(language, "mail_unmatched_existing", &args),
        ])
    };
    match language {
        Some(language) => Mail {
            subject: tr(language, "mail_unmatched_subject", &args),
            body: in_language(language),
        },
        None => Mail {
            subject: format!(
                "{} / {}",
                tr(Language::Nl, "mail_unmatched_subject", &args),
                tr(Language::En, "mail_unmatched_subject", &args)
            ),
            body: format!(
                "{}\n{}",
                in_language(Language::Nl),
                in_language(Language::En)
            ),
        },
    }
}

/// `too_large`: the reply's files that the mail does not carry (together over the policy's
/// size), named so that the reader fetches them from the ticket.
pub fn staff_reply(
    ticket: &Ticket,
    body: &str,
    too_large: &[(&str, u64)],
    language: Language,
    public_url: &str,
) -> Mail {
    let number = ticket_number(ticket.id);
    let args = [
        ("number", number.into()),
        ("subject", ticket.subject.clone().into()),
        ("url", link(public_url, ticket).into()),
    ];
    let files = if too_large.is_empty() {
        String::new()
    } else {
        let listed: Vec<String> = too_large
            .iter()
            .map(|(name, size)| format!("- {name} ({})", file_size(*size, language)))
            .collect();
        format!(
            "{}\n{}",
            tr(language, "mail_reply_files_in_portal", &args),
            listed.join("\n")
        )
    };
    Mail {
        subject: tr(language, "mail_reply_subject", &args),
        body: paragraphs([
            tr(language, "mail_reply_intro", &args),
            body.to_string(),
            files,
            tr(language, "mail_reply_in_portal", &args),
        ]),
    }
}

/// T7: the customer reacted on a closed ticket; the desk assesses it (reopen, or a new ticket
/// when it is out of scope).
pub fn reply_on_closed(ticket: &Ticket, body: &str, language: Language, public_url: &str) -> Mail {
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
    ];
    Mail {
        subject: tr(language, "mail_closed_reply_subject", &args),
        body: paragraphs([
            tr(language, "mail_closed_reply_body", &args),
            body.to_string(),
            link(public_url, ticket),
        ]),
    }
}

/// A file's size as people read it: "812 B", "12.3 KiB" ("12,3 KiB" in Dutch).
pub fn file_size(bytes: u64, language: Language) -> String {
    const KIB: f64 = 1024.0;
    let (value, unit) = match bytes as f64 {
        b if b < KIB => return format!("{bytes} B"),
        b if b < KIB * KIB => (b / KIB, "KiB"),
        b => (b / (KIB * KIB), "MiB"),
    };
    let text = format!("{value:.1}");
    match language {
        Language::Nl => format!("{} {unit}", text.replace('.', ",")),
        Language::En => format!("{text} {unit}"),
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
    let key = match alert {
        Alert::ReactionWarning => "mail_alert_reaction_warning",
        Alert::ReactionBreach => "mail_alert_reaction_breach",
        Alert::ResolutionWarning => "mail_alert_resolution_warning",
        Alert::ResolutionBreach => "mail_alert_resolution_breach",
    };
    let what = tr(language, key, &[("share", share.into())]);
    let due = due_at
        .map(|at| local_time(at, language))
        .unwrap_or_default();
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
        ("priority", ticket.priority.label(language).into()),
        ("line", ticket.line.into()),
        ("what", what.into()),
        ("due", due.into()),
    ];
    Mail {
        subject: tr(language, "mail_alert_subject", &args),
        body: paragraphs([
            format!(
                "{}\n{}",
                tr(language, "mail_alert_body", &args),
                tr(language, "mail_alert_due", &args)
            ),
            link(public_url, ticket),
        ]),
    }
}

pub fn auto_close_reminder(
    ticket: &Ticket,
    close_at: Timestamp,
    language: Language,
    public_url: &str,
) -> Mail {
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
        ("when", local_time(close_at, language).into()),
    ];
    Mail {
        subject: tr(language, "mail_reminder_subject", &args),
        body: paragraphs([
            tr(language, "mail_reminder_body", &args),
            link(public_url, ticket),
        ]),
    }
}

/// `working_days`: the silence after which it closed, from the policy in force.
pub fn auto_closed(
    ticket: &Ticket,
    working_days: u32,
    language: Language,
    public_url: &str,
) -> Mail {
    let args = [
        ("days", working_days.into()),
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
    ];
    Mail {
        subject: tr(language, "mail_auto_closed_subject", &args),
        body: paragraphs([
            tr(language, "mail_auto_closed_body", &args),
            link(public_url, ticket),
        ]),
    }
}

/// The double opt-in mail of a list (A5 status mails, R4 release newsletter).
pub fn confirm_subscription(
    list: crate::store::notifications::MailingList,
    confirm_url: &str,
    language: Language,
) -> Mail {
    use crate::store::notifications::MailingList;
    let (subject, intro) = match list {
        MailingList::Status => ("mail_confirm_subject", "mail_confirm_intro"),
        MailingList::Releases => (
            "mail_newsletter_confirm_subject",
            "mail_newsletter_confirm_intro",
        ),
    };
    Mail {
        subject: tr(language, subject, &[]),
        body: paragraphs([
            format!(
                "{}\n{}",
                tr(language, intro, &[]),
                tr(language, "mail_confirm_link", &[])
            ),
            confirm_url.to_string(),
            tr(language, "mail_confirm_ignore", &[]),
        ]),
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
    let kind = tr(
        language,
        if emergency {
            "mail_maintenance_emergency"
        } else {
            "mail_maintenance_planned"
        },
        &[],
    );
    let args = [
        ("kind", kind.clone().into()),
        ("component", component.into()),
        ("from", from.clone().into()),
        ("to", to.into()),
        ("work", work.into()),
        ("impact", impact.into()),
        ("url", unsubscribe_url.into()),
    ];
    Mail {
        subject: format!("{kind}: {component}, {from}"),
        body: paragraphs([
            format!(
                "{}\n{}",
                tr(language, "mail_maintenance_of", &args),
                tr(language, "mail_maintenance_when", &args)
            ),
            format!(
                "{}\n{}",
                tr(language, "mail_maintenance_work", &args),
                tr(language, "mail_maintenance_impact", &args)
            ),
            tr(language, "mail_unsubscribe", &args),
        ]),
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
    let key = if resolved {
        "mail_incident_resolved"
    } else {
        "mail_incident_open"
    };
    let title = tr(language, key, &[("component", component.into())]);
    Mail {
        subject: title.clone(),
        body: paragraphs([
            format!(
                "{title} ({when}).\n{}",
                tr(language, "mail_progress", &[("url", status_url.into())])
            ),
            tr(
                language,
                "mail_unsubscribe",
                &[("url", unsubscribe_url.into())],
            ),
        ]),
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
    let args = [
        ("name", name.into()),
        ("email", email.into()),
        ("organization", organization.into()),
        ("url", url.into()),
    ];
    Mail {
        subject: tr(language, "mail_registration_subject", &args),
        body: paragraphs([
            tr(language, "mail_registration_body", &args),
            message.to_string(),
            tr(language, "mail_registration_decide", &args),
        ]),
    }
}

/// T2: the one-time link to set a password.
pub fn activation(name: &str, link: &str, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_activation_subject", &[]),
        body: paragraphs([
            hello(name, language),
            tr(language, "mail_activation_body", &[]),
            link.to_string(),
        ]),
    }
}

pub fn registration_rejected(name: &str, reason: &str, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_rejected_subject", &[]),
        body: paragraphs([
            hello(name, language),
            format!("{}\n{reason}", tr(language, "mail_rejected_body", &[])),
        ]),
    }
}

pub fn password_reset(name: &str, link: &str, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_reset_subject", &[]),
        body: paragraphs([
            hello(name, language),
            tr(language, "mail_reset_body", &[]),
            link.to_string(),
            tr(language, "mail_reset_signs_out", &[]),
            tr(language, "mail_reset_ignore", &[]),
        ]),
    }
}

/// The password was changed: every session ended.
pub fn password_changed(name: &str, sessions_ended: u64, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_changed_subject", &[]),
        body: paragraphs([
            hello(name, language),
            tr(
                language,
                "mail_changed_body",
                &[("sessions", sessions_ended.into())],
            ),
            tr(language, "mail_changed_not_you", &[]),
        ]),
    }
}

/// Sign-in with the password was locked for a while after repeated failures.
pub fn signin_locked(name: &str, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_locked_subject", &[]),
        body: paragraphs([
            hello(name, language),
            tr(language, "mail_locked_body", &[]),
            tr(language, "mail_locked_not_you", &[]),
        ]),
    }
}

/// The second sign-in step was locked after repeated wrong codes: the password is known.
pub fn second_step_locked(name: &str, language: Language) -> Mail {
    Mail {
        subject: tr(language, "mail_code_locked_subject", &[]),
        body: paragraphs([
            hello(name, language),
            tr(language, "mail_code_locked_body", &[]),
            tr(language, "mail_code_locked_not_you", &[]),
        ]),
    }
}

/// X3: the reporter's receipt.
pub fn vulnerability_receipt(name: &str, number: &str, language: Language) -> Mail {
    let args = [("number", number.into())];
    Mail {
        subject: tr(language, "mail_receipt_subject", &args),
        body: paragraphs([
            hello(name, language),
            tr(language, "mail_receipt_body", &args),
        ]),
    }
}

/// X3: the SaaS team is told of a new report.
pub fn vulnerability_reported(number: &str, public_url: &str, id: i64, language: Language) -> Mail {
    let url = format!("{}/tickets/{id}", public_url.trim_end_matches('/'));
    let args = [("number", number.into())];
    Mail {
        subject: tr(language, "mail_report_subject", &args),
        body: paragraphs([tr(language, "mail_report_body", &args), url]),
    }
}

/// R4: the monthly release newsletter: the releases coming and the ones released, with their
/// notes for the Targeted and Broad rings only (the caller leaves the others out).
pub fn release_newsletter(
    month: &str,
    coming: &[&crate::domain::releases::Release],
    released: &[&crate::domain::releases::Release],
    footer: (&str, &str),
    language: Language,
) -> Mail {
    use crate::domain::releases::NoteKind;
    let section = |heading: &str, releases: &[&crate::domain::releases::Release]| -> String {
        if releases.is_empty() {
            return String::new();
        }
        let mut text = format!("{}\n", tr(language, heading, &[]).to_uppercase());
        for release in releases {
            let args = [
                ("version", release.version.as_str().into()),
                ("start", release.planned_start.as_str().into()),
            ];
            text += &format!("\n{}\n", tr(language, "mail_newsletter_release", &args));
            if release.notes.is_empty() {
                text += &format!("{}\n", tr(language, "mail_newsletter_no_notes", &[]));
            }
            for (kind, key) in [
                (NoteKind::New, "mail_newsletter_new"),
                (NoteKind::Improved, "mail_newsletter_improved"),
                (NoteKind::Fixed, "mail_newsletter_fixed"),
                (NoteKind::Security, "mail_newsletter_security"),
            ] {
                let lines: Vec<&str> = release
                    .notes
                    .iter()
                    .filter(|n| n.kind == kind)
                    .map(|n| match language {
                        Language::En => n.en.as_str(),
                        Language::Nl => n.nl.as_str(),
                    })
                    .collect();
                if !lines.is_empty() {
                    text += &format!("{}:\n", tr(language, key, &[]));
                    for line in lines {
                        text += &format!("- {line}\n");
                    }
                }
            }
        }
        text.trim_end().to_string()
    };
    let (footer_key, footer_link) = footer;
    Mail {
        subject: tr(
            language,
            "mail_newsletter_subject",
            &[("month", month.into())],
        ),
        body: paragraphs([
            tr(language, "mail_newsletter_intro", &[]),
            section("mail_newsletter_coming", coming),
            section("mail_newsletter_released", released),
            format!("{}\n{footer_link}", tr(language, footer_key, &[])),
        ]),
    }
}

/// D1: the newest verified backup is older than the recovery point (or there is none).
pub fn backup_overdue(
    newest: Option<Timestamp>,
    rpo_seconds: i64,
    last_failure: Option<&str>,
    public_url: &str,
    language: Language,
) -> Mail {
    let hours = rpo_seconds / 3600;
    let state = match newest {
        Some(at) => tr(
            language,
            "mail_backup_overdue_newest",
            &[("at", local_time(at, language).into())],
        ),
        None => tr(language, "mail_backup_overdue_none", &[]),
    };
    let failure = last_failure.map_or_else(String::new, |reason| {
        tr(
            language,
            "mail_backup_overdue_failure",
            &[("reason", reason.into())],
        )
    });
    Mail {
        subject: tr(
            language,
            "mail_backup_overdue_subject",
            &[("hours", hours.into())],
        ),
        body: paragraphs([
            tr(
                language,
                "mail_backup_overdue_body",
                &[("hours", hours.into())],
            ),
            state,
            failure,
            format!("{}/backups", public_url.trim_end_matches('/')),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_is_whole_in_both_languages() {
        let at: Timestamp = "2026-04-28T09:00:00Z".parse().unwrap();
        for language in [Language::En, Language::Nl] {
            let mails = [
                password_reset("Jan", "https://x/activate?token=1", language),
                password_changed("", 2, language),
                signin_locked("Jan", language),
                second_step_locked("Jan", language),
                activation("Jan", "https://x/a", language),
                registration_rejected("Jan", "Unknown organisation", language),
                registration_received("Jan", "jan@x", "Acme", "Hi", language, "https://x"),
                confirm_subscription(
                    crate::store::notifications::MailingList::Status,
                    "https://x/c",
                    language,
                ),
                maintenance_announcement(
                    "Platform",
                    at,
                    at,
                    true,
                    "Upgrade",
                    "Read-only",
                    language,
                    "https://x/u",
                ),
                incident(
                    "Platform",
                    false,
                    at,
                    language,
                    "https://x/s",
                    "https://x/u",
                ),
                vulnerability_receipt("Rita", "SD-000007", language),
                vulnerability_reported("SD-000007", "https://x", 7, language),
                unmatched_mail("Help", Some(language), "https://x"),
                unmatched_mail("Help", None, "https://x"),
            ];
            for mail in mails {
                for text in [&mail.subject, &mail.body] {
                    assert!(
                        !text.contains("mail_") && !text.contains("{"),
                        "{language:?}: {text}"
                    );
                }
                assert!(mail.body.ends_with('\n') && !mail.body.contains("\n\n\n"));
            }
        }
        let dutch = password_changed("", 2, Language::Nl);
        assert!(dutch.body.starts_with("Hallo,\n\n") && dutch.body.contains("(2 open sessies"));
    }

    #[test]
    fn local_time_is_dutch_wall_time_in_both_languages() {
        let at: Timestamp = "2026-04-28T09:00:00Z".parse().unwrap();
        assert_eq!(local_time(at, Language::Nl), "dinsdag 28 april 2026 11:00");
        assert_eq!(local_time(at, Language::En), "Tuesday 28 April 2026 11:00");
    }
}
