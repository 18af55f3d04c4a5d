//! The service desk's operations: what a customer, an agent or a job may do to organisations,
//! people and tickets, with the permission checks, the event log, the audit trail and the mail
//! that go with each. HTTP handlers and jobs call these; they never write SQL themselves.

mod accounts;
mod attachments;
mod availability;
mod backups;
mod billing;
mod creation;
mod credits;
mod exchange;
mod fairuse;
mod mail_in;
mod newsletter;
mod notifications;
mod policies;
mod refusal;
mod registrations;
mod releases;
pub mod reports;
mod setup;
mod signin;
mod sla;
mod sso;
mod status;
mod throttle;
mod tickets;
mod update_calendars;
mod versions;
mod vulnerability;
mod workspace;

pub use accounts::{NewOrganization, NewUser, OrganizationPatch, issue_token, token_hash};
pub use attachments::NewFile;
pub use availability::{NewComponent, NewExclusion, NewMonitor, NewWindow};
pub use backups::{BackupSetup, ContinuityOverview, DrillRecord};
pub use billing::{BillingMonth, NewBooking, NewProposal, ProposalChange, TicketBilling};
pub use exchange::{ExportScope, ExportSummary, ImportOptions, ImportSummary, Phase, SetAside};
pub use fairuse::{
    CaseDecision, ChartDay, FairUseOverview, Intake, NewCase, SmallCohort, UsageChart, UsageDay,
    UsageValue,
};
pub use mail_in::{MailInError, Received};
pub use notifications::Readings;
pub use policies::Policies;
pub use refusal::{Field, Refusal, RefusalKind, Thing};
pub use registrations::RegistrationForm;
pub use releases::{NewRelease, PlanView, ReleaseView};
pub use signin::{NewSession, SESSION_SECONDS, SignIn, check_strength};
pub use sla::{AlertOutcome, timeline_of};
pub use sso::{FLOW_SECONDS, SsoReturn, SsoSetup, SsoSignedIn, SsoStart, SsoTarget};
pub use status::{
    ComponentStatus, DayStatus, Incident, IncidentUpdate, PlannedMaintenance, StatusPage,
};
pub use tickets::{NewTicket, NewTicketExclusion, TicketPatch, TicketView};
pub use versions::NewPolicyVersion;
pub use vulnerability::VulnerabilityReport;
pub use workspace::{Names, QUEUE_PAGE, QueueCounts};

use std::sync::Arc;

use sladesk_core::policy::PolicyError;
use sladesk_core::tickets::IllegalMove;

use crate::domain::accounts::{Role, User};
use crate::store::{Store, StoreError};

/// Who is acting: a signed-in person (with the token used), or sladesk itself (jobs).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: Option<User>,
    pub token_id: Option<i64>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user: None,
            token_id: None,
        }
    }

    pub fn person(user: User, token_id: Option<i64>) -> Actor {
        Actor {
            user: Some(user),
            token_id,
        }
    }

    pub fn id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    /// Staff and sladesk itself act for the vendor.
    pub fn is_staff(&self) -> bool {
        self.role().is_none_or(Role::is_staff)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role(), None | Some(Role::Admin))
    }

    /// X3: admins, the SaaS team and sladesk itself see confidential tickets.
    pub fn sees_confidential(&self) -> bool {
        matches!(self.role(), None | Some(Role::Admin) | Some(Role::SaasTeam))
    }

    /// The organisation a customer belongs to; `None` for staff (who see every organisation).
    pub fn own_organization(&self) -> Option<i64> {
        match &self.user {
            Some(user) if user.role == Role::Customer => user.organization_id.or(Some(-1)),
            _ => None,
        }
    }

    /// Whether this actor may see things of organisation `id`.
    pub fn sees_organization(&self, id: i64) -> bool {
        self.own_organization().is_none_or(|own| own == id)
    }
}

/// Why a desk operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Unknown, or not visible to this actor (a customer is never told that a foreign id exists).
    #[error("{0} not found")]
    NotFound(Thing),
    /// The desk said no, for a reason the reader can act on.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A sign-in step failed too often; it may be tried again after this many seconds.
    #[error("too many failed attempts; try again in {seconds} seconds")]
    TooManyAttempts { seconds: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A server fault of another kind (hashing failed, a stored secret is unreadable): a 500
    /// with the cause in the log, never the client's to fix.
    #[error("{0}")]
    Fault(String),
    /// A server fault: no secret could be made.
    #[error(transparent)]
    NoRandomness(#[from] crate::secrets::NoRandomness),
}

impl DeskError {
    /// What to tell the reader, for every error that is theirs to act on; `None` for a
    /// server fault (told as a fault, with an id).
    pub fn message(&self) -> Option<crate::catalogue::Message> {
        match self {
            DeskError::NotFound(thing) => Some(thing.not_found()),
            DeskError::Refused(refusal) => Some(refusal.message()),
            DeskError::TooManyAttempts { seconds } => Some(
                crate::catalogue::Message::new("refused_too_many_attempts")
                    .number("seconds", *seconds),
            ),
            DeskError::Store(store) if store.is_unique_violation() => {
                Some(crate::catalogue::Message::new("refused_duplicate"))
            }
            DeskError::Store(_) | DeskError::Fault(_) | DeskError::NoRandomness(_) => None,
        }
    }

    /// The refusal's kind, if this is one.
    pub fn refusal_kind(&self) -> Option<RefusalKind> {
        match self {
            DeskError::Refused(refusal) => Some(refusal.kind()),
            _ => None,
        }
    }

    /// The reader's words for this error, in `language`, when it is not a fault.
    pub fn text(&self, language: sladesk_core::text::Language) -> String {
        self.message()
            .map(|m| m.text(language))
            .unwrap_or_else(|| crate::catalogue::text(language, "problem_500"))
    }
}

impl From<IllegalMove> for DeskError {
    fn from(error: IllegalMove) -> DeskError {
        DeskError::Refused(Refusal::IllegalMove {
            from: error.from,
            to: error.to,
        })
    }
}

impl From<PolicyError> for DeskError {
    fn from(error: PolicyError) -> DeskError {
        DeskError::Refused(Refusal::Policy {
            detail: error.to_string(),
        })
    }
}

impl From<sqlx::Error> for DeskError {
    fn from(error: sqlx::Error) -> DeskError {
        DeskError::Store(StoreError::Database(error))
    }
}

/// The desk: storage, the SLA policies in force, and settings used in mails.
#[derive(Debug, Clone)]
pub struct Desk {
    pub store: Store,
    pub policies: Arc<Policies>,
    pub public_url: String,
    creations: creation::CreationQueue,
    /// URLs that receive outage events as JSON.
    pub webhooks: Arc<[String]>,
    /// The support phone number (T1), if the vendor gave one.
    pub support_phone: Option<String>,
    /// X1: the networks staff may sign in and use their tokens from; empty allows any.
    pub staff_networks: Arc<[ipnet::IpNet]>,
    /// The one clock of the server (tests set it).
    pub clock: crate::clock::Clock,
    /// X2: the OpenID relying party and the staff provider.
    sso: Arc<SsoSetup>,
    /// D1: where backups go, with which keys.
    backups: Arc<BackupSetup>,
    /// T5: where tickets' files are kept and who checks them.
    file_setup: Arc<attachments::FileSetup>,
}

impl Desk {
    /// The desk over `store`; starts the writer of new tickets, so call it inside a runtime.
    pub fn new(store: Store, policies: Policies, public_url: String) -> Desk {
        let creations = creation::CreationQueue::start(store.clone());
        Desk {
            store,
            policies: Arc::new(policies),
            public_url,
            creations,
            webhooks: Arc::new([]),
            support_phone: None,
            staff_networks: Arc::new([]),
            clock: crate::clock::Clock::system(),
            sso: Arc::new(SsoSetup::without_staff()),
            backups: Arc::new(BackupSetup::off()),
            file_setup: Arc::new(attachments::FileSetup {
                files: crate::files::Files::in_memory(),
                scan_command: Arc::new([]),
            }),
        }
    }
}

impl Desk {
    /// Posts outage events to these URLs too.
    pub fn with_webhooks(mut self, urls: Vec<String>) -> Desk {
        self.webhooks = urls.into();
        self
    }

    /// Keeps tickets' files in `files`, checked by `scan_command` if it is not empty.
    pub fn with_files(mut self, files: crate::files::Files, scan_command: Vec<String>) -> Desk {
        self.file_setup = Arc::new(attachments::FileSetup {
            files,
            scan_command: scan_command.into(),
        });
        self
    }

    /// Reads the time from `clock` (a test's manual clock) instead of the system's.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Desk {
        self.clock = clock;
        self
    }

    /// X1: limits staff sign-in and staff tokens to these networks (empty: any).
    pub fn with_staff_networks(mut self, networks: Vec<ipnet::IpNet>) -> Desk {
        self.staff_networks = networks.into();
        self
    }

    /// Whether staff may work from `ip` (X1).
    pub fn staff_may_work_from(&self, ip: std::net::IpAddr) -> bool {
        self.staff_networks.is_empty() || self.staff_networks.iter().any(|net| net.contains(&ip))
    }

    /// Shows customers this number to phone about urgent tickets.
    pub fn with_support_phone(mut self, number: &str) -> Desk {
        self.support_phone = Some(number.trim().to_string()).filter(|n| !n.is_empty());
        self
    }
}

pub use crate::domain::ticket_number;
