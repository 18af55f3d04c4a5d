//! T5: files on tickets. A file's bytes go to the file store first, then its row is written in
//! the transaction of the event it came with (a new ticket, a reply, a note); whoever may see
//! that event may download it, nobody else (an internal note's files never reach a customer,
//! another organisation's are "not found"). A scan hook, when configured, checks each file
//! before it may be downloaded.

use std::sync::Arc;

use sladesk_core::policy::Policy;

use super::tickets::visible_ticket;
use super::{Actor, Desk, DeskError, Refusal, Thing};
use crate::domain::attachments::{Attachment, FileState};
use crate::files::{Files, media_type};
use crate::store::Conn;
use crate::store::attachments::{self, NewAttachment};

/// A file as it arrives: the name the sender gave and its bytes.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file whose bytes are in the store, waiting for its row.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub name: String,
    pub media_type: &'static str,
    pub size: u64,
    pub sha256: String,
}

impl Desk {
    /// The file store (the mailer reads the files a mail carries from it).
    pub fn files(&self) -> &Files {
        &self.file_setup.files
    }
}

/// Where files are kept and who checks them.
#[derive(Debug, Clone)]
pub struct FileSetup {
    pub files: Files,
    /// The scan hook (`[files] scan_command`); empty: files are available at once.
    pub scan_command: Arc<[String]>,
}

const MAX_NAME: usize = 255;

/// The name a file is kept under: the last part of what the sender gave (a browser may send a
/// whole path), without control characters; refused when nothing is left.
pub(crate) fn file_name(given: &str) -> Result<String, DeskError> {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if last.is_empty()
        || last == "."
        || last == ".."
        || last.chars().count() > MAX_NAME
        || last.chars().any(char::is_control)
    {
        return Err(Refusal::FileName {
            given: given
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_NAME)
                .collect(),
        }
        .into());
    }
    Ok(last.to_string())
}

impl Desk {
    /// Writes the files' bytes to the store (before any row points at them), after checking
    /// their names and that they fit a ticket that holds nothing yet. Whether they fit the
    /// ticket they join is checked again when their rows are written.
    pub(crate) async fn store_files(
        &self,
        policy: &Policy,
        files: Vec<NewFile>,
    ) -> Result<Vec<StoredFile>, DeskError> {
        let sizes: Vec<u64> = files.iter().map(|f| f.bytes.len() as u64).collect();
        policy
            .attachments
            .admit(0, 0, &sizes)
            .map_err(Refusal::Files)?;
        let names = files
            .iter()
            .map(|f| file_name(&f.name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut stored = Vec::with_capacity(files.len());
        for (file, name) in files.into_iter().zip(names) {
            let media_type = media_type(&file.bytes);
            let size = file.bytes.len() as u64;
            let sha256 = self
                .file_setup
                .files
                .put(file.bytes)
                .await
                .map_err(|e| DeskError::Fault(e.to_string()))?;
            stored.push(StoredFile {
                name,
                media_type,
                size,
                sha256,
            });
        }
        Ok(stored)
    }

    /// The state a new file starts in: waiting for the scan hook if there is one.
    pub(crate) fn new_file_state(&self) -> FileState {
        if self.file_setup.scan_command.is_empty() {
            FileState::Available
        } else {
            FileState::Checking
        }
    }

    /// Writes the rows of `files`, on event `event_id` of ticket `ticket_id`, inside the
    /// caller's transaction, if the ticket may hold them; returns their ids.
    pub(crate) async fn record_files(
        &self,
        conn: &mut Conn,
        policy: &Policy,
        ticket_id: i64,
        event_id: i64,
        files: &[StoredFile],
        at: i64,
    ) -> Result<Vec<i64>, DeskError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let (held_files, held_bytes) = attachments::held_by_ticket(conn, ticket_id).await?;
        let sizes: Vec<u64> = files.iter().map(|f| f.size).collect();
        policy
            .attachments
            .admit(
                u32::try_from(held_files).unwrap_or(u32::MAX),
                u64::try_from(held_bytes).unwrap_or(0),
                &sizes,
            )
            .map_err(Refusal::Files)?;
        let state = self.new_file_state();
        let mut ids = Vec::with_capacity(files.len());
        for file in files {
            let id = attachments::insert(
                conn,
                &NewAttachment {
                    ticket_id,
                    event_id,
                    name: &file.name,
                    media_type: file.media_type,
                    size: file.size as i64,
                    sha256: &file.sha256,
                    state,
                    at,
                },
            )
            .await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// The files of a ticket `actor` may see.
    pub async fn attachments(
        &self,
        actor: &Actor,
        ticket_id: i64,
    ) -> Result<Vec<Attachment>, DeskError> {
        let mut conn = self.store.read().await?;
        visible_ticket(&mut conn, actor, ticket_id).await?;
        Ok(attachments::of_ticket(&mut conn, ticket_id, !actor.is_staff()).await?)
    }

    /// A file and its bytes, for whoever may see the event it came with.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>), DeskError> {
        let mut conn = self.store.read().await?;
        let not_found = || DeskError::NotFound(Thing::Attachment);
        let found = attachments::by_id(&mut conn, id)
            .await?
            .ok_or_else(not_found)?;
        visible_ticket(&mut conn, actor, found.ticket_id)
            .await
            .map_err(|_| not_found())?;
        if !actor.is_staff() && !attachments::on_public_event(&mut conn, id).await? {
            return Err(not_found());
        }
        drop(conn);
        match found.state {
            FileState::Checking => return Err(Refusal::FileBeingChecked.into()),
            FileState::Refused => return Err(Refusal::FileRefusedByScan.into()),
            FileState::Available => {}
        }
        let bytes = self
            .file_setup
            .files
            .get(&found.sha256)
            .await
            .map_err(|e| DeskError::Fault(e.to_string()))?;
        Ok((found, bytes))
    }
}

/// A file younger than this is never swept: its row may be on its way.
pub const ORPHAN_GRACE_SECONDS: i64 = 3600;

impl Desk {
    /// Removes the file store's files no row points at, once older than the grace period
    /// (left by a crash between a file and its row, or by a refused upload). Safe with
    /// several replicas: deleting twice is harmless, and a file written again is young again.
    pub async fn sweep_orphan_files(&self) -> Result<usize, DeskError> {
        let before = self.clock.now() - jiff::SignedDuration::from_secs(ORPHAN_GRACE_SECONDS);
        let fault = |e: crate::files::FilesError| DeskError::Fault(e.to_string());
        let files = &self.file_setup.files;
        let mut swept = 0;
        for sha256 in files.written_before(before).await.map_err(fault)? {
            let mut conn = self.store.read().await?;
            if !attachments::is_referenced(&mut conn, &sha256).await? {
                drop(conn);
                files.delete(&sha256).await.map_err(fault)?;
                swept += 1;
            }
        }
        Ok(swept)
    }

    /// Runs the scan hook on files that wait for it: exit 0 makes them available, 1 refuses
    /// them, anything else (or no answer) leaves them waiting for the next run.
    pub async fn check_waiting_files(&self) -> Result<usize, DeskError> {
        let command = self.file_setup.scan_command.clone();
        let Some((program, args)) = command.split_first() else {
            return Ok(0);
        };
        let waiting = {
            let mut conn = self.store.read().await?;
            attachments::checking(&mut conn, 50).await?
        };
        let mut answered = 0;
        for file in waiting {
            let bytes = match self.file_setup.files.get(&file.sha256).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!(file = file.id, error = %e, "a file waiting for its check is not in the store");
                    continue;
                }
            };
            let dir = std::env::temp_dir().join(format!(
                "sladesk-scan-{}-{}",
                std::process::id(),
                file.id
            ));
            let path = dir.join("file");
            let answer = async {
                tokio::fs::create_dir_all(&dir).await?;
                tokio::fs::write(&path, &bytes).await?;
                tokio::process::Command::new(program)
                    .args(args)
                    .arg(&path)
                    .kill_on_drop(true)
                    .status()
                    .await
            };
            let status = tokio::time::timeout(std::time::Duration::from_secs(120), answer).await;
            let _ = tokio::fs::remove_dir_all(&dir).await;
            let state = match status {
                Ok(Ok(status)) if status.code() == Some(0) => FileState::Available,
                Ok(Ok(status)) if status.code() == Some(1) => FileState::Refused,
                other => {
                    tracing::warn!(file = file.id, answer = ?other, "the scan hook gave no answer; tried again later");
                    continue;
                }
            };
            let mut tx = self.store.write().await?;
            answered += attachments::set_state(&mut tx, &file.sha256, state).await? as usize;
            tx.commit().await?;
        }
        Ok(answered)
    }
}
