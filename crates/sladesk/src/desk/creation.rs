//! Group commit for new tickets: requests that arrive together are written in one
//! transaction. Filing tickets is the busiest write; one commit per batch instead of per
//! ticket shares the cost of writing the same index pages and of the commit itself.
//! Every ticket is still acknowledged only after the commit that holds it.

use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::DeskError;
use super::attachments::StoredFile;
use crate::domain::attachments::FileState;
use crate::domain::tickets::{Ticket, TicketChange, TicketEvent};
use crate::notify;
use crate::store::attachments::{self, NewAttachment};
use crate::store::outbox;
use crate::store::tickets::{self};
use crate::store::{Conn, Store, StoreError, audit};

/// A validated new ticket, ready to be written.
pub struct Creation {
    pub ticket: Ticket,
    pub actor_id: Option<i64>,
    pub token_id: Option<i64>,
    /// How urgent the customer says it is for them: recorded for triage, never the priority.
    pub urgency: Option<sladesk_core::tickets::Priority>,
    /// Files filed with it (T5), their bytes already in the file store, and their state.
    pub files: Vec<StoredFile>,
    pub file_state: FileState,
    /// T1: the receipt the requester is sent, if any.
    pub receipt: Option<Receipt>,
}

/// T1: to whom the receipt of a new ticket goes, in which language, and the reaction deadline
/// it states.
pub struct Receipt {
    pub recipient: String,
    pub language: sladesk_core::text::Language,
    pub reaction_due: jiff::Timestamp,
    /// The requester's own time zone, in which the deadline is told.
    pub time_zone: jiff::tz::TimeZone,
    pub public_url: String,
}

type Reply = oneshot::Sender<Result<i64, DeskError>>;

/// The queue of tickets waiting to be written.
#[derive(Debug, Clone)]
pub struct CreationQueue {
    sender: mpsc::Sender<(Creation, Reply)>,
}

const MAX_BATCH: usize = 64;

impl CreationQueue {
    /// Starts the writer task; it ends when the last queue handle is dropped.
    pub fn start(store: Store) -> CreationQueue {
        let (sender, mut receiver) = mpsc::channel::<(Creation, Reply)>(1024);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let creations: Vec<&Creation> = batch.iter().map(|(c, _)| c).collect();
                match write(&store, &creations).await {
                    Ok(ids) => {
                        for ((_, reply), id) in batch.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    // One bad apple must not spoil the batch: write each on its own.
                    Err(_) => {
                        for (creation, reply) in batch {
                            let result = write(&store, &[&creation]).await.map(|ids| ids[0]);
                            let _ = reply.send(result.map_err(DeskError::from));
                        }
                    }
                }
            }
        });
        CreationQueue { sender }
    }

    /// Writes the ticket (with its creation event and audit entry) and returns its id once
    /// committed.
    pub async fn create(&self, creation: Creation) -> Result<i64, DeskError> {
        let (reply, answer) = oneshot::channel();
        let closed =
            || DeskError::Store(StoreError::Corrupt("the ticket writer has stopped".into()));
        self.sender
            .send((creation, reply))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn write(store: &Store, batch: &[&Creation]) -> Result<Vec<i64>, StoreError> {
    let mut tx = store.write().await?;
    let ids = write_in(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Writes new tickets (with their creation events and audit entries) inside the caller's
/// transaction.
pub(crate) async fn write_in(conn: &mut Conn, batch: &[&Creation]) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(batch.len());
    for creation in batch {
        let t = &creation.ticket;
        let id = tickets::insert_ticket(conn, t).await?;
        let event = TicketEvent {
            id: 0,
            ticket_id: id,
            at: t.created_at,
            actor_id: creation.actor_id,
            public: true,
            body: Some(t.description.clone()),
            change: TicketChange::Created {
                ticket_type: Some(t.ticket_type),
                priority: Some(t.priority),
                environment: Some(t.environment),
                product: Some(t.product.clone()),
                urgency: creation.urgency,
            },
        };
        let event_id = tickets::insert_event(conn, &event).await?;
        for file in &creation.files {
            attachments::insert(
                conn,
                &NewAttachment {
                    ticket_id: id,
                    event_id,
                    name: &file.name,
                    media_type: file.media_type,
                    size: file.size as i64,
                    sha256: &file.sha256,
                    state: creation.file_state,
                    at: t.created_at,
                },
            )
            .await?;
        }
        if let Some(receipt) = &creation.receipt {
            let filed = Ticket { id, ..t.clone() };
            let mail = notify::ticket_received(
                &filed,
                receipt.reaction_due,
                receipt.language,
                &receipt.time_zone,
                &receipt.public_url,
            );
            outbox::enqueue(
                conn,
                &receipt.recipient,
                &mail.subject,
                &mail.body,
                Some(id),
                t.created_at,
            )
            .await?;
        }
        audit::record(
            conn,
            t.created_at,
            creation.actor_id,
            creation.token_id,
            "ticket.create",
            &format!("ticket:{id}"),
            &json!({}),
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}
