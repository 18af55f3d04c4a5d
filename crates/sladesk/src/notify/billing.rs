//! The words of proposals for work outside support (C1-C3): the proposal's own text (what the
//! customer approves, kept with the approval), the mail that asks for approval or tells of an
//! urgent repair (the C3 notice), and the mail to staff when the customer decided.

use sladesk_core::text::Language;

use super::{Mail, link, paragraphs, tr};
use crate::catalogue::{hours, money, text};
use crate::domain::billing::{Proposal, ProposalState, work_kind_word};
use crate::domain::ticket_number;
use crate::domain::tickets::Ticket;

/// The proposal in words, exactly as the customer reads it in the portal and the mail: the
/// work, why it is not support, the terms, the estimate and what it comes to.
pub fn proposal_text(p: &Proposal, language: Language) -> String {
    let billed = p
        .terms()
        .total(p.estimate_seconds)
        .map(|t| t.billed_seconds)
        .unwrap_or(p.estimate_seconds);
    let args = [
        ("id", p.id.into()),
        ("number", ticket_number(p.ticket_id).into()),
        ("description", p.description.clone().into()),
        (
            "basis",
            text(language, &format!("basis_{}", p.basis.as_str())).into(),
        ),
        (
            "kind",
            text(
                language,
                &format!("work_kind_{}", work_kind_word(p.work_kind)),
            )
            .into(),
        ),
        ("rate", money(p.cents_per_hour, "EUR", language).into()),
        ("minimum", hours(p.minimum_seconds, language).into()),
        ("block", hours(p.block_seconds, language).into()),
        ("estimate", hours(p.estimate_seconds, language).into()),
        ("billed", hours(billed, language).into()),
        ("amount", money(p.estimate_cents, "EUR", language).into()),
    ];
    let mut words = tr(language, "proposal_text", &args);
    if let Some(reason) = &p.urgent_reason {
        words.push('\n');
        words.push_str(&tr(
            language,
            "proposal_text_urgent",
            &[("reason", reason.clone().into())],
        ));
    }
    words
}

/// To the requester: a proposal to approve, or (C3) the notice of an urgent repair billed as
/// consultancy. A careless-use proposal says so before anything is billed.
pub fn proposal(ticket: &Ticket, p: &Proposal, language: Language, public_url: &str) -> Mail {
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("subject", ticket.subject.clone().into()),
        ("link", link(public_url, ticket).into()),
    ];
    let urgent = p.state == ProposalState::Urgent;
    let careless = p.basis == crate::domain::billing::Basis::CarelessUse;
    let (subject, intro) = match urgent {
        true => ("mail_proposal_urgent_subject", "mail_proposal_urgent_intro"),
        false => ("mail_proposal_subject", "mail_proposal_intro"),
    };
    Mail {
        subject: tr(language, subject, &args),
        body: paragraphs([
            tr(language, intro, &args),
            match careless && !urgent {
                true => tr(language, "mail_proposal_careless", &args),
                false => String::new(),
            },
            proposal_text(p, language),
            match urgent {
                true => link(public_url, ticket),
                false => tr(language, "mail_proposal_action", &args),
            },
        ]),
    }
}

/// To whoever works the ticket: the customer approved or declined a proposal.
pub fn proposal_decided(
    ticket: &Ticket,
    p: &Proposal,
    who: &str,
    language: Language,
    public_url: &str,
) -> Mail {
    let args = [
        ("number", ticket_number(ticket.id).into()),
        ("id", p.id.into()),
        (
            "state",
            text(language, &format!("proposal_state_{}", p.state.as_str())).into(),
        ),
        ("who", who.to_string().into()),
    ];
    Mail {
        subject: tr(language, "mail_proposal_decided_subject", &args),
        body: paragraphs([
            tr(language, "mail_proposal_decided_body", &args),
            link(public_url, ticket),
        ]),
    }
}
