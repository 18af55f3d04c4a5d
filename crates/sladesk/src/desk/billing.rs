//! Consultancy and out-of-scope work (C1-C3, T3, T8): staff propose work outside support, the
//! customer approves or declines it in the portal, staff book time, and each month's billable
//! lines are counted per approved proposal after the minimum and blocks (the core's
//! `billing::month_lines`) until the month is closed and its lines frozen. Custom work is
//! marked outside the SLA on the ticket (`desk::tickets`). See docs/BILLING.md.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sladesk_core::billing::{self as rules, MAX_BOOKED_SECONDS, WorkKind};
use sladesk_core::tickets::TicketType;
use utoipa::ToSchema;

use super::tickets::{text, ticket_to_change, visible_ticket};
use super::{Actor, Desk, DeskError, Field, Refusal, Thing};
use crate::domain::accounts::{Role, Tier};
use crate::domain::billing::{Basis, BillingLine, LineKind, Proposal, ProposalState, TimeEntry};
use crate::domain::tickets::{Ticket, TicketChange};
use crate::notify;
use crate::store::billing::{self as store, Engagement, month_label};
use crate::store::{Conn, accounts, audit};

/// The longest description of the work a proposal may carry.
const MAX_DESCRIPTION: usize = 10_000;
/// One booking is one day's work at most.
const MAX_BOOKING_MINUTES: i64 = 24 * 60;

/// A proposal for work outside support, as staff make it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    pub basis: Basis,
    /// `ad_hoc` (on the platform, remote) or `non_platform` (such as the legacy Data Manager).
    #[schema(value_type = String, pattern = "^(ad_hoc|non_platform)$")]
    pub work_kind: WorkKind,
    /// What will be done.
    #[schema(min_length = 1, max_length = 10000)]
    pub description: String,
    /// The estimated work, in minutes.
    #[schema(minimum = 1, maximum = 527040)]
    pub estimate_minutes: i64,
    /// C3 only: an urgent repair to stop further disruption, in force at once; why it could
    /// not wait for the customer's approval.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub urgent_reason: Option<String>,
}

/// A change to a proposal the customer has not decided on yet.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalChange {
    #[schema(min_length = 1, max_length = 10000)]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 527040)]
    pub estimate_minutes: Option<i64>,
}

/// Time booked on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// The day worked, like `2026-12-01`; not a day still to come.
    #[schema(format = Date)]
    pub work_date: String,
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: i64,
    /// Billable time needs `proposal_id`: a proposal on this ticket the customer approved
    /// (or an urgent C3 repair). Time that is not billed may name one too (written off).
    pub billable: bool,
    #[serde(default)]
    pub proposal_id: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

/// A ticket's proposals (each with its text in the reader's language) and, for staff, the
/// time booked on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketBilling {
    pub outside_sla: bool,
    pub proposals: Vec<ProposalView>,
    /// Staff only; empty for customers.
    pub time_entries: Vec<TimeEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: Proposal,
    /// The proposal in words, as the customer approves it.
    pub text: String,
}

/// A month of the billing export.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingMonth {
    /// Like `2026-12`.
    pub month: String,
    /// Closed months are frozen; an open month's lines change while time is booked.
    pub closed: bool,
    pub lines: Vec<BillingLine>,
    pub total_cents: i64,
}

fn tier_of(tier: Tier) -> rules::Tier {
    match tier {
        Tier::Support => rules::Tier::Support,
        Tier::Qaas => rules::Tier::Qaas,
    }
}

fn staff_only(actor: &Actor) -> Result<(), DeskError> {
    match actor.is_staff() {
        true => Ok(()),
        false => Err(Refusal::StaffOnly.into()),
    }
}

/// Whether a proposal for `basis` fits `ticket` (T3, T8, C3).
fn basis_fits(basis: Basis, ticket: &Ticket) -> bool {
    if ticket.outside_sla || basis == Basis::CustomWork {
        return ticket.outside_sla && basis == Basis::CustomWork;
    }
    match ticket.ticket_type {
        TicketType::DevelopmentRequest => basis == Basis::DevelopmentRequest,
        TicketType::ConsultancyRequest => basis == Basis::ConsultancyRequest,
        TicketType::Question => matches!(basis, Basis::LongQuestion | Basis::CarelessUse),
        TicketType::Incident | TicketType::Bug => basis == Basis::CarelessUse,
    }
}

fn estimate_seconds(minutes: i64) -> Result<i64, DeskError> {
    match minutes.checked_mul(60) {
        Some(seconds) if (60..=MAX_BOOKED_SECONDS).contains(&seconds) => Ok(seconds),
        _ => Err(Refusal::EstimateRange {
            max_hours: MAX_BOOKED_SECONDS / 3600,
        }
        .into()),
    }
}

/// yyyymm of a date.
fn month_key(date: Date) -> i64 {
    i64::from(date.year()) * 100 + i64::from(date.month())
}

impl Desk {
    fn today(&self) -> Date {
        let tz = self.policies.base().availability.time_zone.clone();
        self.clock.now().to_zoned_datetime(tz).date()
    }

    /// The proposals of a ticket with their words in `actor`'s language, and (staff) its time.
    pub async fn ticket_billing(
        &self,
        actor: &Actor,
        ticket_id: i64,
    ) -> Result<TicketBilling, DeskError> {
        let mut conn = self.store.read().await?;
        let ticket = visible_ticket(&mut conn, actor, ticket_id).await?;
        let language = actor
            .user
            .as_ref()
            .map_or(sladesk_core::text::Language::Nl, |u| u.language);
        let proposals = store::proposals_of_ticket(&mut conn, ticket.id)
            .await?
            .into_iter()
            .map(|proposal| ProposalView {
                text: notify::proposal_text(&proposal, language),
                proposal,
            })
            .collect();
        let time_entries = match actor.is_staff() {
            true => store::time_entries_of_ticket(&mut conn, ticket.id).await?,
            false => Vec::new(),
        };
        Ok(TicketBilling {
            outside_sla: ticket.outside_sla,
            proposals,
            time_entries,
        })
    }

    /// C1: staff propose work outside support on a ticket; the customer is mailed the
    /// proposal (for C3 with the notice that the cause is careless use). An urgent C3 repair
    /// is in force at once and the mail says why.
    pub async fn propose(
        &self,
        actor: &Actor,
        ticket_id: i64,
        new: NewProposal,
    ) -> Result<Proposal, DeskError> {
        staff_only(actor)?;
        let description = text(Field::Description, &new.description, MAX_DESCRIPTION)?;
        let estimate_seconds = estimate_seconds(new.estimate_minutes)?;
        let urgent_reason = match new.urgent_reason.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if new.basis != Basis::CarelessUse => {
                return Err(Refusal::UrgentOnlyForCarelessUse.into());
            }
            Some(reason) => Some(text(Field::Reason, reason, 5_000)?),
        };
        let mut tx = self.store.write().await?;
        let ticket = ticket_to_change(&mut tx, actor, ticket_id).await?;
        if !basis_fits(new.basis, &ticket) {
            return Err(Refusal::ProposalBasis {
                basis: new.basis.as_str().into(),
                ticket_type: crate::store::accounts::word(&ticket.ticket_type),
            }
            .into());
        }
        let organization = accounts::organization_by_id(&mut tx, ticket.organization_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        let policy = self.policy_of(&mut tx, &ticket).await?;
        let blocks = policy.billing.blocks(new.work_kind);
        let now = self.clock.now().as_second();
        let mut proposal = Proposal {
            id: 0,
            ticket_id: ticket.id,
            organization_id: ticket.organization_id,
            basis: new.basis,
            work_kind: new.work_kind,
            description,
            estimate_seconds,
            cents_per_hour: policy
                .billing
                .cents_per_hour(new.work_kind, tier_of(organization.tier)),
            minimum_seconds: blocks.minimum_seconds,
            block_seconds: blocks.block_seconds,
            estimate_cents: 0,
            state: match urgent_reason {
                Some(_) => ProposalState::Urgent,
                None => ProposalState::Proposed,
            },
            revision: 1,
            urgent_reason,
            created_at: now,
            created_by: actor.id(),
            updated_at: now,
            decided_at: None,
            decided_by: None,
            decided_text: None,
            decided_language: None,
        };
        proposal.estimate_cents = proposal
            .terms()
            .total(estimate_seconds)
            .map_err(|_| Refusal::BookingAbsurd)?
            .amount_cents;
        proposal.id = store::insert_proposal(&mut tx, &proposal).await?;
        self.proposal_event(&mut tx, actor, &ticket, &proposal)
            .await?;
        self.mail_requester(&mut tx, &ticket, super::sla::Topic::Always, |lang| {
            notify::proposal(&ticket, &proposal, lang, &self.public_url)
        })
        .await?;
        self.audit_proposal(&mut tx, actor, "proposal.create", &proposal)
            .await?;
        tx.commit().await?;
        Ok(proposal)
    }

    /// Changes a proposal the customer has not decided on; the customer is mailed it again,
    /// and an approval of the earlier revision is refused. A decided proposal never changes.
    pub async fn revise_proposal(
        &self,
        actor: &Actor,
        id: i64,
        change: ProposalChange,
    ) -> Result<Proposal, DeskError> {
        staff_only(actor)?;
        let description = change
            .description
            .as_deref()
            .map(|d| text(Field::Description, d, MAX_DESCRIPTION))
            .transpose()?;
        let estimate = change.estimate_minutes.map(estimate_seconds).transpose()?;
        let mut tx = self.store.write().await?;
        let (ticket, mut proposal) = self.proposal_to_change(&mut tx, actor, id).await?;
        open_for_change(&proposal)?;
        if let Some(description) = description {
            proposal.description = description;
        }
        if let Some(seconds) = estimate {
            proposal.estimate_seconds = seconds;
        }
        proposal.estimate_cents = proposal
            .terms()
            .total(proposal.estimate_seconds)
            .map_err(|_| Refusal::BookingAbsurd)?
            .amount_cents;
        proposal.revision += 1;
        proposal.updated_at = self.clock.now().as_second();
        store::update_proposal(&mut tx, &proposal).await?;
        self.proposal_event(&mut tx, actor, &ticket, &proposal)
            .await?;
        self.mail_requester(&mut tx, &ticket, super::sla::Topic::Always, |lang| {
            notify::proposal(&ticket, &proposal, lang, &self.public_url)
        })
        .await?;
        self.audit_proposal(&mut tx, actor, "proposal.revise", &proposal)
            .await?;
        tx.commit().await?;
        Ok(proposal)
    }

    /// Staff take back a proposal the customer has not decided on.
    pub async fn withdraw_proposal(&self, actor: &Actor, id: i64) -> Result<Proposal, DeskError> {
        staff_only(actor)?;
        let mut tx = self.store.write().await?;
        let (ticket, mut proposal) = self.proposal_to_change(&mut tx, actor, id).await?;
        open_for_change(&proposal)?;
        proposal.state = ProposalState::Withdrawn;
        proposal.updated_at = self.clock.now().as_second();
        store::update_proposal(&mut tx, &proposal).await?;
        self.proposal_event(&mut tx, actor, &ticket, &proposal)
            .await?;
        self.audit_proposal(&mut tx, actor, "proposal.withdraw", &proposal)
            .await?;
        tx.commit().await?;
        Ok(proposal)
    }

    /// C1: a customer of the ticket's organisation approves or declines the proposal it read
    /// (`revision`). The approval keeps who, when and the exact text, in the customer's
    /// language; deciding twice, or on a proposal changed since, is refused.
    pub async fn decide_proposal(
        &self,
        actor: &Actor,
        id: i64,
        approve: bool,
        revision: i64,
    ) -> Result<Proposal, DeskError> {
        let mut tx = self.store.write().await?;
        let (ticket, mut proposal) = self.proposal_to_change(&mut tx, actor, id).await?;
        let Some(customer) = actor.user.as_ref().filter(|u| u.role == Role::Customer) else {
            return Err(Refusal::CustomersOnly.into());
        };
        open_for_change(&proposal)?;
        if revision != proposal.revision {
            return Err(Refusal::ProposalChanged.into());
        }
        let now = self.clock.now().as_second();
        proposal.state = match approve {
            true => ProposalState::Approved,
            false => ProposalState::Declined,
        };
        proposal.updated_at = now;
        proposal.decided_at = Some(now);
        proposal.decided_by = Some(customer.id);
        proposal.decided_text = Some(notify::proposal_text(&proposal, customer.language));
        proposal.decided_language = Some(
            match customer.language {
                sladesk_core::text::Language::En => "en",
                sladesk_core::text::Language::Nl => "nl",
            }
            .to_string(),
        );
        store::update_proposal(&mut tx, &proposal).await?;
        self.proposal_event(&mut tx, actor, &ticket, &proposal)
            .await?;
        let who = match customer.name.trim() {
            "" => customer.email.clone(),
            name => name.to_string(),
        };
        self.mail_line(&mut tx, &ticket, |lang| {
            notify::proposal_decided(&ticket, &proposal, &who, lang, &self.public_url)
        })
        .await?;
        let action = match approve {
            true => "proposal.approve",
            false => "proposal.decline",
        };
        self.audit_proposal(&mut tx, actor, action, &proposal)
            .await?;
        tx.commit().await?;
        Ok(proposal)
    }

    /// Staff book time on a ticket. Billable time needs a proposal on the ticket that is in
    /// force (approved, or an urgent C3 repair): support is never billed (C1). A closed
    /// month takes no bookings.
    pub async fn book_time(
        &self,
        actor: &Actor,
        ticket_id: i64,
        new: NewBooking,
    ) -> Result<TimeEntry, DeskError> {
        staff_only(actor)?;
        let work_date =
            new.work_date
                .trim()
                .parse::<Date>()
                .ok()
                .ok_or_else(|| Refusal::NotADate {
                    field: Field::WorkDate,
                    given: new.work_date.clone(),
                })?;
        if work_date > self.today() {
            return Err(Refusal::WorkDateInFuture.into());
        }
        if !(1..=MAX_BOOKING_MINUTES).contains(&new.minutes) {
            return Err(Refusal::DurationRange {
                max_minutes: MAX_BOOKING_MINUTES,
            }
            .into());
        }
        if new.note.chars().count() > 5_000 {
            return Err(Refusal::TooLong {
                field: Field::Note,
                max: 5_000,
            }
            .into());
        }
        let month = month_key(work_date);
        let mut tx = self.store.write().await?;
        let ticket = ticket_to_change(&mut tx, actor, ticket_id).await?;
        if store::closed_through(&mut tx)
            .await?
            .is_some_and(|closed| month <= closed)
        {
            return Err(Refusal::MonthClosed {
                month: month_label(month),
            }
            .into());
        }
        let seconds = new.minutes * 60;
        // Time on an engagement that is not billed (written off) may name its proposal too;
        // billable time must.
        if new.billable || new.proposal_id.is_some() {
            let proposal = match new.proposal_id {
                Some(id) => store::proposal_by_id(&mut tx, id).await?,
                None => None,
            };
            let Some(proposal) =
                proposal.filter(|p| p.ticket_id == ticket.id && p.state.in_force())
            else {
                return Err(Refusal::NoApprovedProposal.into());
            };
            let booked: i64 = store::time_entries_of_ticket(&mut tx, ticket.id)
                .await?
                .iter()
                .filter(|e| e.proposal_id == Some(proposal.id) && e.withdrawn_at.is_none())
                .map(|e| e.seconds)
                .sum();
            if booked + seconds > MAX_BOOKED_SECONDS {
                return Err(Refusal::BookingAbsurd.into());
            }
        }
        let mut entry = TimeEntry {
            id: 0,
            ticket_id: ticket.id,
            organization_id: ticket.organization_id,
            proposal_id: new.proposal_id,
            work_date: work_date.to_string(),
            month,
            seconds,
            billable: new.billable,
            note: new.note.trim().to_string(),
            booked_at: self.clock.now().as_second(),
            booked_by: actor.id(),
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawn_reason: None,
        };
        entry.id = store::insert_time_entry(&mut tx, &entry).await?;
        audit::record(
            &mut tx,
            entry.booked_at,
            actor.id(),
            actor.token_id,
            "time.book",
            &format!("ticket:{}", ticket.id),
            &json!({"entry": entry.id, "seconds": seconds, "billable": new.billable,
                    "proposal": new.proposal_id, "work_date": entry.work_date}),
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Withdraws a booking (with a reason): gone from an open month; from a closed month, a
    /// correction in the first open one.
    pub async fn withdraw_time(
        &self,
        actor: &Actor,
        entry_id: i64,
        reason: &str,
    ) -> Result<TimeEntry, DeskError> {
        staff_only(actor)?;
        let reason = text(Field::Reason, reason, 5_000)?;
        let mut tx = self.store.write().await?;
        let entry = store::time_entry_by_id(&mut tx, entry_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::TimeEntry))?;
        // Lock the ticket, so its bookings change one at a time.
        ticket_to_change(&mut tx, actor, entry.ticket_id).await?;
        let now = self.clock.now().as_second();
        if !store::withdraw_time_entry(&mut tx, entry.id, now, actor.id(), &reason).await? {
            return Err(Refusal::AlreadyWithdrawn.into());
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "time.withdraw",
            &format!("ticket:{}", entry.ticket_id),
            &json!({"entry": entry.id, "reason": reason}),
        )
        .await?;
        let entry = store::time_entry_by_id(&mut tx, entry.id)
            .await?
            .ok_or(DeskError::NotFound(Thing::TimeEntry))?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The billing lines of `year`-`month`: frozen when closed, counted now when open. A
    /// customer sees its own organisation's only; staff all, or one organisation's.
    pub async fn billing_month(
        &self,
        actor: &Actor,
        year: i16,
        month: i8,
        organization_id: Option<i64>,
    ) -> Result<BillingMonth, DeskError> {
        let organization_id = match actor.own_organization() {
            Some(own) => Some(own),
            None => organization_id,
        };
        let month = i64::from(year) * 100 + i64::from(month);
        let mut conn = self.store.read().await?;
        let closed_through = store::closed_through(&mut conn).await?;
        let closed = closed_through.is_some_and(|c| month <= c);
        let lines = match closed {
            true => store::frozen_lines(&mut conn, month, organization_id).await?,
            false => open_lines(&mut conn, month, closed_through, organization_id).await?,
        };
        Ok(BillingMonth {
            month: month_label(month),
            closed,
            total_cents: lines.iter().map(|l| l.amount_cents).sum(),
            lines,
        })
    }

    /// Closes `year`-`month` for billing (admins): its lines, and those of every earlier open
    /// month, are frozen as they stand. Only a month that has ended, and only once.
    pub async fn close_billing_month(
        &self,
        actor: &Actor,
        year: i16,
        month: i8,
    ) -> Result<BillingMonth, DeskError> {
        if !actor.is_admin() {
            return Err(Refusal::AdminOnly.into());
        }
        let month = i64::from(year) * 100 + i64::from(month);
        if month >= month_key(self.today()) {
            return Err(Refusal::MonthNotOver {
                month: month_label(month),
            }
            .into());
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let closed_through = store::closed_through(&mut tx).await?;
        if closed_through.is_some_and(|c| month <= c)
            || !store::insert_closing(&mut tx, month, now, actor.id()).await?
        {
            return Err(Refusal::MonthClosed {
                month: month_label(month),
            }
            .into());
        }
        // Every open month up to this one, oldest first: each month's lines build on the
        // frozen lines of the months before it. After an earlier closing that is the month
        // after it (which carries any correction); before the first, the first with time.
        let mut next = match closed_through {
            Some(closed) => Some(next_month(closed)),
            None => store::first_billable_month_after(&mut tx, 0).await?,
        };
        let mut last_closed = closed_through;
        let mut frozen_lines = 0;
        while let Some(m) = next.filter(|m| *m <= month) {
            for line in open_lines(&mut tx, m, last_closed, None).await? {
                store::insert_billing_line(&mut tx, m, &line).await?;
                frozen_lines += 1;
            }
            last_closed = Some(m);
            // A month without time has no lines (only the first open month carries
            // corrections), so the walk jumps to the next month with time: a booking on a
            // day long past must not make closing walk every month since.
            next = store::first_billable_month_after(&mut tx, m).await?;
        }
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "billing.close",
            &format!("month:{}", month_label(month)),
            &json!({"lines": frozen_lines}),
        )
        .await?;
        tx.commit().await?;
        let (year, month) = ((month / 100) as i16, (month % 100) as i8);
        self.billing_month(actor, year, month, None).await
    }

    async fn proposal_to_change(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> Result<(Ticket, Proposal), DeskError> {
        let proposal = store::proposal_by_id(conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Proposal))?;
        let ticket = ticket_to_change(conn, actor, proposal.ticket_id)
            .await
            .map_err(|_| DeskError::NotFound(Thing::Proposal))?;
        // Read again under the ticket's lock: another replica may have decided meanwhile.
        let proposal = store::proposal_by_id(conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Proposal))?;
        Ok((ticket, proposal))
    }

    async fn proposal_event(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        ticket: &Ticket,
        proposal: &Proposal,
    ) -> Result<(), DeskError> {
        let change = TicketChange::Proposal {
            proposal_id: proposal.id,
            state: proposal.state,
        };
        self.append(conn, actor, ticket, true, None, change).await?;
        Ok(())
    }

    async fn audit_proposal(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        action: &str,
        proposal: &Proposal,
    ) -> Result<(), DeskError> {
        audit::record(
            conn,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            action,
            &format!("ticket:{}", proposal.ticket_id),
            &json!({"proposal": proposal.id, "revision": proposal.revision,
                    "state": proposal.state.as_str()}),
        )
        .await?;
        Ok(())
    }
}

/// A proposal may change (or be decided, or withdrawn) only while it waits for the customer.
fn open_for_change(proposal: &Proposal) -> Result<(), DeskError> {
    match proposal.state {
        ProposalState::Proposed => Ok(()),
        state => Err(Refusal::ProposalDecided {
            state: state.as_str().into(),
        }
        .into()),
    }
}

fn next_month(month: i64) -> i64 {
    match month % 100 {
        12 => (month / 100 + 1) * 100 + 1,
        _ => month + 1,
    }
}

/// The lines of an open month, from each engagement's bookings and frozen lines.
async fn open_lines(
    conn: &mut Conn,
    month: i64,
    closed_through: Option<i64>,
    organization_id: Option<i64>,
) -> Result<Vec<BillingLine>, DeskError> {
    let first_open = closed_through.is_some_and(|c| next_month(c) == month);
    let mut lines = Vec::new();
    for engagement in store::engagements(conn, month, organization_id).await? {
        let Engagement {
            proposal,
            organization,
            frozen,
            booked_before,
            booked_in_month,
        } = engagement;
        let counted = rules::month_lines(
            proposal.terms(),
            frozen,
            booked_before,
            booked_in_month,
            first_open,
        )
        .map_err(|e| crate::store::StoreError::Corrupt(format!("proposal {}: {e}", proposal.id)))?;
        let line = |kind: LineKind, billed: rules::Billed| BillingLine {
            month: month_label(month),
            organization_id: proposal.organization_id,
            organization: organization.clone(),
            ticket_id: proposal.ticket_id,
            ticket_number: crate::domain::ticket_number(proposal.ticket_id),
            proposal_id: proposal.id,
            basis: proposal.basis,
            kind,
            booked_seconds: billed.booked_seconds,
            billed_seconds: billed.billed_seconds,
            cents_per_hour: proposal.cents_per_hour,
            amount_cents: billed.amount_cents,
        };
        if let Some(correction) = counted.correction {
            lines.push(line(LineKind::Correction, correction));
        }
        if let Some(work) = counted.work {
            lines.push(line(LineKind::Work, work));
        }
    }
    Ok(lines)
}
