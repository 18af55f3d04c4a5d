//! T5: a file on a ticket, as the desk knows it (its bytes are in the file store).

use serde::Serialize;

/// Whether a file may be downloaded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// The scan hook has not answered.
    Checking,
    Available,
    /// The scan hook refused it: never served.
    Refused,
}

impl FileState {
    pub fn key(self) -> &'static str {
        match self {
            FileState::Checking => "checking",
            FileState::Available => "available",
            FileState::Refused => "refused",
        }
    }

    pub fn from_key(key: &str) -> Option<FileState> {
        [
            FileState::Checking,
            FileState::Available,
            FileState::Refused,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// A file on a ticket, attached to the event it came with (the new ticket, a reply, a note):
/// whoever may see that event may download it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub event_id: i64,
    /// The name it was given, without folders.
    pub name: String,
    /// Found from the bytes, never from what the sender said.
    pub media_type: String,
    pub size: i64,
    /// The SHA-256 of the bytes, in hex.
    pub sha256: String,
    pub state: FileState,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}
