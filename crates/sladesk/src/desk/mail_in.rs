//! Replies by mail (T1, T5; docs/MAIL.md): a received message continues the ticket it answers,
//! as a public comment with its files and the effects a portal reply has, when its sender is a
//! person of the ticket's organisation or staff. A stranger's mail is quarantined for staff to
//! review; a robot's (auto-replies, bounces) is recorded and nothing else; a mail that
//! continues no ticket is answered once with the portal's address. Each message is acted on
//! once, by its Message-ID.

use super::availability::require_staff;
use super::tickets::visible_ticket;
use super::{Actor, Desk, DeskError, NewFile, Refusal, Thing};
use crate::mail_in::{self, Inbound, MailError};
use crate::notify;
use crate::store::inbound::ReceivedMail;
use crate::store::{accounts, inbound, outbox, tickets};

/// What became of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A public comment on this ticket.
    Commented { ticket_id: i64 },
    /// Kept for staff to review, not on the ticket.
    Quarantined { reason: String },
    /// A robot's: recorded, never answered.
    Ignored { reason: String },
    /// It continued no ticket; the sender was told where the portal is (once a day).
    Answered,
    /// This Message-ID was received before.
    Duplicate,
}

/// Why a message was refused whole (the MTA tells the sender).
#[derive(Debug, thiserror::Error)]
pub enum MailInError {
    #[error("mail refused: {0}")]
    Refused(#[from] MailError),
    #[error(transparent)]
    Desk(#[from] DeskError),
}

impl Desk {
    /// Acts on one received RFC 5322 message of at most `max_bytes`.
    pub async fn receive_mail(
        &self,
        raw: &[u8],
        max_bytes: usize,
    ) -> Result<Received, MailInError> {
        let mail = mail_in::parse(raw, max_bytes)?;
        let now = self.clock.now().as_second();
        {
            let mut tx = self.store.write().await.map_err(DeskError::from)?;
            let claimed = inbound::claim(&mut tx, &mail.message_id, &mail.from, &mail.subject, now)
                .await
                .map_err(DeskError::from)?;
            tx.commit().await.map_err(DeskError::from)?;
            if !claimed {
                return Ok(Received::Duplicate);
            }
        }
        match self.act_on(&mail, raw).await {
            Ok((received, ticket_id, raw_sha256)) => {
                let (outcome, reason) = match &received {
                    Received::Commented { .. } => ("commented", String::new()),
                    Received::Quarantined { reason } => ("quarantined", reason.clone()),
                    Received::Ignored { reason } => ("ignored", reason.clone()),
                    Received::Answered => ("answered", String::new()),
                    Received::Duplicate => ("ignored", "duplicate".into()),
                };
                let mut tx = self.store.write().await.map_err(DeskError::from)?;
                inbound::settle(
                    &mut tx,
                    &mail.message_id,
                    outcome,
                    &reason,
                    ticket_id,
                    raw_sha256.as_deref(),
                )
                .await
                .map_err(DeskError::from)?;
                tx.commit().await.map_err(DeskError::from)?;
                tracing::info!(message_id = %mail.message_id, from = %mail.from, outcome, reason = %reason, "mail received");
                Ok(received)
            }
            Err(e) => {
                // Nothing was done: give the claim up, so the MTA's next delivery is acted on.
                if let Ok(mut tx) = self.store.write().await {
                    let _ = inbound::release(&mut tx, &mail.message_id).await;
                    let _ = tx.commit().await;
                }
                Err(e.into())
            }
        }
    }

    /// What the message does; with the ticket it concerns and, for a quarantined one, where
    /// its raw bytes are kept.
    async fn act_on(
        &self,
        mail: &Inbound,
        raw: &[u8],
    ) -> Result<(Received, Option<i64>, Option<String>), DeskError> {
        if let Some(why) = &mail.automatic {
            return Ok((
                Received::Ignored {
                    reason: why.clone(),
                },
                None,
                None,
            ));
        }
        let mut conn = self.store.read().await?;
        let mut ticket_id = None;
        for id in &mail.answers {
            if let Some(found) =
                outbox::ticket_of_message(&mut conn, mail_in::message_key(id)).await?
            {
                ticket_id = Some(found);
                break;
            }
        }
        if ticket_id.is_none()
            && let Some(number) = mail_in::ticket_number_in(&mail.subject)
            && tickets::ticket_by_id(&mut conn, number).await?.is_some()
        {
            ticket_id = Some(number);
        }
        let sender = accounts::user_by_email(&mut conn, &mail.from)
            .await?
            .filter(|u| u.disabled_at.is_none());
        let Some(ticket_id) = ticket_id else {
            let since = self.clock.now().as_second() - 86_400;
            if inbound::answered_since(&mut conn, &mail.from, since).await? {
                return Ok((
                    Received::Ignored {
                        reason: "no ticket; this sender was answered today".into(),
                    },
                    None,
                    None,
                ));
            }
            drop(conn);
            let answer = notify::unmatched_mail(
                &mail.subject,
                sender.as_ref().map(|u| u.language),
                &self.public_url,
            );
            let mut tx = self.store.write().await?;
            outbox::enqueue(
                &mut tx,
                &mail.from,
                &answer.subject,
                &answer.body,
                None,
                self.clock.now().as_second(),
            )
            .await?;
            tx.commit().await?;
            return Ok((Received::Answered, None, None));
        };
        let actor = sender.map(|user| Actor::person(user, None));
        let may_reply = match &actor {
            Some(actor) => visible_ticket(&mut conn, actor, ticket_id).await.is_ok(),
            None => false,
        };
        drop(conn);
        let quarantine = |reason: String| async move {
            let kept = self
                .file_setup
                .files
                .put(raw.to_vec())
                .await
                .map_err(|e| DeskError::Fault(e.to_string()))?;
            Ok::<_, DeskError>((
                Received::Quarantined { reason },
                Some(ticket_id),
                Some(kept),
            ))
        };
        let (Some(actor), true) = (actor, may_reply) else {
            return quarantine(format!(
                "{} is not a person of the ticket's organisation or staff",
                mail.from
            ))
            .await;
        };
        let files = mail
            .files
            .iter()
            .map(|(name, bytes)| NewFile {
                name: name.clone(),
                bytes: bytes.clone(),
            })
            .collect();
        match self
            .comment_with_files(&actor, ticket_id, &mail.text, true, files)
            .await
        {
            Ok(_) => Ok((Received::Commented { ticket_id }, Some(ticket_id), None)),
            // A reply the desk refuses (no text, files past the limits, a closed ticket's
            // rules) waits for staff instead of being lost.
            Err(DeskError::Refused(refusal)) => quarantine(refusal.to_string()).await,
            Err(e) => Err(e),
        }
    }
}

impl Desk {
    /// The quarantine, newest first: mails to tickets from people who may not write to them.
    pub async fn quarantined_mails(&self, actor: &Actor) -> Result<Vec<ReceivedMail>, DeskError> {
        require_staff(actor)?;
        let mut conn = self.store.read().await?;
        Ok(inbound::with_outcome(&mut conn, "quarantined", 500).await?)
    }

    /// A quarantined mail's raw message, for staff to read before they decide.
    pub async fn quarantined_message(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(ReceivedMail, Vec<u8>), DeskError> {
        let mail = self.received_mail(actor, id).await?;
        let raw = self.raw_message(&mail).await?;
        Ok((mail, raw))
    }

    /// A received mail that kept its message (a quarantined one), for staff.
    async fn received_mail(&self, actor: &Actor, id: i64) -> Result<ReceivedMail, DeskError> {
        require_staff(actor)?;
        let mut conn = self.store.read().await?;
        inbound::by_id(&mut conn, id)
            .await?
            .filter(|mail| mail.raw_sha256.is_some())
            .ok_or(DeskError::NotFound(Thing::ReceivedMail))
    }

    async fn raw_message(&self, mail: &ReceivedMail) -> Result<Vec<u8>, DeskError> {
        let sha256 = mail.raw_sha256.as_deref().unwrap_or_default();
        self.file_setup
            .files
            .get(sha256)
            .await
            .map_err(|e| DeskError::Fault(e.to_string()))
    }

    /// Staff decide on a quarantined mail: `release` puts it on its ticket as an internal note
    /// by the reviewer, naming its sender, with its files (never as the customer's reply: a
    /// stranger's mail does not stop or start the customer's clocks); otherwise it is
    /// dismissed. Either once.
    pub async fn review_quarantined(
        &self,
        actor: &Actor,
        id: i64,
        release: bool,
    ) -> Result<ReceivedMail, DeskError> {
        let mail = self.received_mail(actor, id).await?;
        let ticket_id = match (release, mail.ticket_id) {
            (true, None) => return Err(Refusal::MailNotQuarantined.into()),
            (_, ticket) => ticket,
        };
        let outcome = if release { "released" } else { "dismissed" };
        // The decision is claimed first, so two reviewers never both release it.
        let mut tx = self.store.write().await?;
        if !inbound::review(&mut tx, id, outcome, self.clock.now().as_second()).await? {
            return Err(Refusal::MailNotQuarantined.into());
        }
        tx.commit().await?;
        if let (true, Some(ticket_id)) = (release, ticket_id) {
            let released = async {
                // Only a release reads the message again; a dismissal never needs it.
                let raw = self.raw_message(&mail).await?;
                let parsed = mail_in::parse(&raw, raw.len()).map_err(|e| {
                    DeskError::Fault(format!("a quarantined mail no longer parses: {e}"))
                })?;
                // Mail's own header words, in any language: who wrote it and about what.
                let note = format!(
                    "From: {}\nSubject: {}\n\n{}",
                    mail.sender, mail.subject, parsed.text
                );
                let files = parsed
                    .files
                    .into_iter()
                    .map(|(name, bytes)| NewFile { name, bytes })
                    .collect();
                self.comment_with_files(actor, ticket_id, &note, false, files)
                    .await
            };
            if let Err(e) = released.await {
                let mut tx = self.store.write().await?;
                inbound::settle(
                    &mut tx,
                    &mail.message_id,
                    "quarantined",
                    &mail.reason,
                    mail.ticket_id,
                    mail.raw_sha256.as_deref(),
                )
                .await?;
                tx.commit().await?;
                return Err(e);
            }
        }
        let mut tx = self.store.write().await?;
        crate::store::audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            &format!("mail.{outcome}"),
            &format!("mail:{id}"),
            &serde_json::json!({ "sender": mail.sender, "ticket": mail.ticket_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(ReceivedMail {
            outcome: outcome.into(),
            ..mail
        })
    }
}
