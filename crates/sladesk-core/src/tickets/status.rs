//! Ticket statuses and the moves between them (T7). A [`Transition`] can only be one of the
//! allowed moves; the way to get one from two statuses is [`Transition::between`].

use serde::{Deserialize, Serialize};

use super::vocabulary;
use crate::text::Text;

vocabulary!(
    /// Where a ticket stands (T7).
    Status, "status", {
        New => "new",
        InProgress => "in_progress",
        WaitingForCustomer => "waiting_for_customer",
        WaitingForDevelopment => "waiting_for_development",
        Closed => "closed",
    }
);

impl Status {
    /// The status in both languages, for the core's own explanations (`--explain`); sladesk's
    /// pages and mails take their words from its catalogue.
    pub(crate) fn words(self) -> Text {
        match self {
            Status::New => Text::new("New", "Nieuw"),
            Status::InProgress => Text::new("In Progress", "In behandeling"),
            Status::WaitingForCustomer => Text::new("Waiting for Customer", "Wacht op klant"),
            Status::WaitingForDevelopment => {
                Text::new("Waiting for Development", "Wacht op ontwikkeling")
            }
            Status::Closed => Text::new("Closed", "Gesloten"),
        }
    }

    /// The statuses a ticket in this status may move to.
    pub fn allowed_moves(self) -> Vec<Status> {
        Transition::ALL
            .iter()
            .filter(|t| t.from() == self)
            .map(|t| t.to())
            .collect()
    }
}

/// One of the allowed status moves of T7, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// New → In Progress: the desk starts on it.
    NewToInProgress,
    /// New → Waiting for Customer: answered at once, or more information asked.
    NewToWaitingForCustomer,
    /// New → Closed: solved at once.
    NewToClosed,
    /// In Progress → Waiting for Customer: answered or solution delivered.
    InProgressToWaitingForCustomer,
    /// In Progress → Waiting for Development: needs a software change.
    InProgressToWaitingForDevelopment,
    /// In Progress → Closed.
    InProgressToClosed,
    /// Waiting for Customer → In Progress: the customer reacted.
    WaitingForCustomerToInProgress,
    /// Waiting for Customer → Closed: confirmed, or closed after the customer stayed silent.
    WaitingForCustomerToClosed,
    /// Waiting for Development → In Progress: the change was delivered.
    WaitingForDevelopmentToInProgress,
    /// Closed → In Progress: reopened within the original request.
    Reopen,
}

/// A status move that T7 does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ticket cannot move from {from} to {to}; from {from} it can move to: {}", allowed_list(*.from))]
pub struct IllegalMove {
    pub from: Status,
    pub to: Status,
}

fn allowed_list(from: Status) -> String {
    from.allowed_moves()
        .iter()
        .map(|s| s.key())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Transition {
    pub const ALL: &'static [Transition] = &[
        Transition::NewToInProgress,
        Transition::NewToWaitingForCustomer,
        Transition::NewToClosed,
        Transition::InProgressToWaitingForCustomer,
        Transition::InProgressToWaitingForDevelopment,
        Transition::InProgressToClosed,
        Transition::WaitingForCustomerToInProgress,
        Transition::WaitingForCustomerToClosed,
        Transition::WaitingForDevelopmentToInProgress,
        Transition::Reopen,
    ];

    /// The move from `from` to `to`, if T7 allows it.
    pub fn between(from: Status, to: Status) -> Result<Transition, IllegalMove> {
        Transition::ALL
            .iter()
            .copied()
            .find(|t| t.from() == from && t.to() == to)
            .ok_or(IllegalMove { from, to })
    }

    pub fn from(self) -> Status {
        use Status::*;
        match self {
            Transition::NewToInProgress
            | Transition::NewToWaitingForCustomer
            | Transition::NewToClosed => New,
            Transition::InProgressToWaitingForCustomer
            | Transition::InProgressToWaitingForDevelopment
            | Transition::InProgressToClosed => InProgress,
            Transition::WaitingForCustomerToInProgress | Transition::WaitingForCustomerToClosed => {
                WaitingForCustomer
            }
            Transition::WaitingForDevelopmentToInProgress => WaitingForDevelopment,
            Transition::Reopen => Closed,
        }
    }

    pub fn to(self) -> Status {
        use Status::*;
        match self {
            Transition::NewToInProgress
            | Transition::WaitingForCustomerToInProgress
            | Transition::WaitingForDevelopmentToInProgress
            | Transition::Reopen => InProgress,
            Transition::NewToWaitingForCustomer | Transition::InProgressToWaitingForCustomer => {
                WaitingForCustomer
            }
            Transition::InProgressToWaitingForDevelopment => WaitingForDevelopment,
            Transition::NewToClosed
            | Transition::InProgressToClosed
            | Transition::WaitingForCustomerToClosed => Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn exactly_the_moves_of_t7() {
        let allowed = [
            (New, InProgress),
            (New, WaitingForCustomer),
            (New, Closed),
            (InProgress, WaitingForCustomer),
            (InProgress, WaitingForDevelopment),
            (InProgress, Closed),
            (WaitingForCustomer, InProgress),
            (WaitingForCustomer, Closed),
            (WaitingForDevelopment, InProgress),
            (Closed, InProgress),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(
                    Transition::between(from, to).is_ok(),
                    expected,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn illegal_move_names_the_allowed_ones() {
        let err = Transition::between(WaitingForDevelopment, Closed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a ticket cannot move from waiting_for_development to closed; \
             from waiting_for_development it can move to: in_progress"
        );
    }
}
