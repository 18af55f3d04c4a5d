//! Mail received by the desk (docs/MAIL.md), read without I/O: one RFC 5322 message parsed
//! (MIME, charsets, encoded words, HTML-only mail, attachments; by `mail-parser`), what it
//! answers (In-Reply-To, References, a ticket number in the subject), whether a robot sent
//! it (RFC 3834, bounces, out-of-office), and the reply with its quoted history cut off.

mod quotes;

pub use quotes::cut_quoted_history;

use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

/// A message as the desk acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Without angle brackets; a message without one is named by its bytes' SHA-256, so
    /// that the same message delivered twice is still stored once.
    pub message_id: String,
    /// The sender's address, lower case.
    pub from: String,
    pub subject: String,
    /// The ids it answers (In-Reply-To first, then References, newest first), unbracketed.
    pub answers: Vec<String>,
    /// The text as written (an HTML-only mail's text), the quoted history cut off.
    pub text: String,
    pub files: Vec<(String, Vec<u8>)>,
    /// Why a robot sent it, if one did: such mail never becomes a comment and is never
    /// answered.
    pub automatic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the message is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the message is not an RFC 5322 message")]
    Malformed,
    #[error("the message has no sender address")]
    NoSender,
}

/// Reads one message of at most `max_bytes`.
pub fn parse(raw: &[u8], max_bytes: usize) -> Result<Inbound, MailError> {
    if raw.len() > max_bytes {
        return Err(MailError::TooLarge { max: max_bytes });
    }
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(MailError::Malformed)?;
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| printable(a.trim()).to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or(MailError::NoSender)?;
    let message_id = message
        .message_id()
        .map(|id| printable(id.trim_matches(['<', '>', ' '])))
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(raw))));
    let subject = printable(message.subject().unwrap_or_default())
        .trim()
        .to_string();
    let mut answers = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        for id in value.as_text_list().unwrap_or_default().iter().rev() {
            let id = id.trim_matches(['<', '>', ' ']).to_string();
            if !id.is_empty() && !answers.contains(&id) {
                answers.push(id);
            }
        }
    }
    let header = |name: &str| -> Option<String> {
        message
            .headers()
            .iter()
            .rev()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .and_then(|h| {
                raw.get(h.offset_start as usize..h.offset_end as usize)
                    .map(|v| String::from_utf8_lossy(v).trim().to_lowercase())
            })
    };
    let report = message.content_type().is_some_and(|t| {
        t.ctype().eq_ignore_ascii_case("multipart")
            && t.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    let return_path_empty =
        header("return-path").is_some_and(|p| p.trim_matches(['<', '>', ' ']).is_empty());
    let robot_sender = ["mailer-daemon@", "postmaster@"]
        .iter()
        .any(|p| from.starts_with(p));
    let lowered_subject = subject.to_lowercase();
    let automatic = match () {
        _ if header("auto-submitted").is_some_and(|v| v != "no") => Some(format!(
            "Auto-Submitted: {}",
            header("auto-submitted").unwrap_or_default()
        )),
        _ if header("precedence")
            .is_some_and(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str())) =>
        {
            Some(format!(
                "Precedence: {}",
                header("precedence").unwrap_or_default()
            ))
        }
        _ if report || return_path_empty || robot_sender => {
            Some("a delivery status notification".into())
        }
        _ if header("x-autoreply").is_some() || header("x-autorespond").is_some() => {
            Some("an automatic reply (X-Autoreply)".into())
        }
        _ if [
            "out of office",
            "automatic reply",
            "automatisch antwoord",
            "afwezigheidsbericht",
            "autoreply",
        ]
        .iter()
        .any(|s| lowered_subject.starts_with(s)) =>
        {
            Some("an out-of-office reply".into())
        }
        _ => None,
    };
    let text = printable(&message.body_text(0).unwrap_or_default());
    let files = message
        .attachments()
        .filter(|part| !part.is_message())
        .map(|part| {
            let name = part
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| "attachment".into());
            (name, part.contents().to_vec())
        })
        .collect();
    Ok(Inbound {
        message_id,
        from,
        subject,
        answers,
        text: cut_quoted_history(&text),
        files,
        automatic,
    })
}

/// Text without control characters other than line breaks and tabs: a NUL in an encoded word
/// would otherwise be refused by PostgreSQL on every delivery, and the MTA would try forever.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect()
}

/// The ticket number a subject names, like `[SD-000123]` or `SD-123`.
pub fn ticket_number_in(subject: &str) -> Option<i64> {
    let upper = subject.to_uppercase();
    let mut rest = upper.as_str();
    while let Some(at) = rest.find("SD-") {
        let digits: String = rest[at + 3..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(number) = digits.parse::<i64>()
            && number > 0
        {
            return Some(number);
        }
        rest = &rest[at + 3..];
    }
    None
}

/// The left part of a Message-ID (`12.9f…@vendor.example` → `12.9f…`): the key under which the
/// desk recorded a mail it sent.
pub fn message_key(id: &str) -> &str {
    id.split('@').next().unwrap_or(id)
}

#[cfg(test)]
mod tests;
