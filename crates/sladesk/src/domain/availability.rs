//! What the availability side of the desk speaks of beyond its rows: a component's state.

use serde::{Deserialize, Serialize};

/// Whether a component serves: stored as `up` or `down` (the monitors' verdict); the status
/// page also shows `maintenance` while an announced window is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Up,
    Down,
    Maintenance,
}

impl ComponentState {
    /// The state's name, as stored and served (and used as a style on the status page).
    pub fn key(self) -> &'static str {
        match self {
            ComponentState::Up => "up",
            ComponentState::Down => "down",
            ComponentState::Maintenance => "maintenance",
        }
    }
}
