//! Consultancy and out-of-scope work in money (C2): the rate of a kind of work for a tier,
//! and the minimum and the blocks that booked time is billed in. Money is whole euro cents
//! and time whole seconds, never floating point.
//!
//! The blocks apply per approved proposal (one engagement): the first block is the minimum,
//! every further block is started as a whole. With a minimum of 4 h and blocks of 4 h, 3 h
//! booked is 4 h billed, 4 h is 4 h, 4.5 h is 8 h.

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

/// What kind of billable work a proposal is for (C2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// Ad-hoc consultancy on the platform, remote.
    AdHoc,
    /// Work outside the platform (such as the legacy Data Manager), preparation included.
    NonPlatform,
}

/// The contract's tier, as far as rates go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Support,
    Qaas,
}

/// How booked time becomes billed time: at least `minimum_seconds`, then whole blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks {
    pub minimum_seconds: i64,
    pub block_seconds: i64,
}

/// The rates (cents an hour) and blocks of the policy's `[billing]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRules {
    pub ad_hoc_support_cents_per_hour: i64,
    pub ad_hoc_qaas_cents_per_hour: i64,
    pub non_platform_cents_per_hour: i64,
    pub ad_hoc_blocks: Blocks,
    pub non_platform_blocks: Blocks,
}

impl BillingRules {
    /// The hourly rate of `kind` for a contract of `tier`, in cents.
    pub fn cents_per_hour(&self, kind: WorkKind, tier: Tier) -> i64 {
        match (kind, tier) {
            (WorkKind::AdHoc, Tier::Support) => self.ad_hoc_support_cents_per_hour,
            (WorkKind::AdHoc, Tier::Qaas) => self.ad_hoc_qaas_cents_per_hour,
            (WorkKind::NonPlatform, _) => self.non_platform_cents_per_hour,
        }
    }

    pub fn blocks(&self, kind: WorkKind) -> Blocks {
        match kind {
            WorkKind::AdHoc => self.ad_hoc_blocks,
            WorkKind::NonPlatform => self.non_platform_blocks,
        }
    }
}

/// Why a booking cannot be billed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("booked time cannot be negative")]
    Negative,
    #[error("booked time is beyond any engagement (more than a year of hours)")]
    Absurd,
}

/// The most time one engagement may add up to: a year of hours, far past any real proposal,
/// and far from overflowing the cents.
pub const MAX_BOOKED_SECONDS: i64 = 366 * 24 * 3600;

/// C2: the time billed for `booked_seconds` of work under `blocks`. Nothing booked is nothing
/// billed; anything booked is at least the minimum; past it, every started block counts whole.
pub fn billed_seconds(booked_seconds: i64, blocks: Blocks) -> Result<i64, BillingError> {
    if booked_seconds < 0 {
        return Err(BillingError::Negative);
    }
    if booked_seconds > MAX_BOOKED_SECONDS {
        return Err(BillingError::Absurd);
    }
    if booked_seconds == 0 {
        return Ok(0);
    }
    if booked_seconds <= blocks.minimum_seconds {
        return Ok(blocks.minimum_seconds);
    }
    let past = booked_seconds - blocks.minimum_seconds;
    let block = blocks.block_seconds.max(1);
    let started = (past + block - 1) / block;
    Ok(blocks.minimum_seconds + started * block)
}

/// The amount of `billed_seconds` at `cents_per_hour`, rounded to the nearest cent (half a
/// cent up), VAT exclusive.
pub fn amount_cents(billed_seconds: i64, cents_per_hour: i64) -> i64 {
    (billed_seconds * cents_per_hour + 1800) / 3600
}

/// What a proposal's time came to: booked and billed seconds, and the amount in cents. Lines
/// of a month are differences of these, so a proposal's lines always add up to its total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Billed {
    pub booked_seconds: i64,
    pub billed_seconds: i64,
    pub amount_cents: i64,
}

impl Billed {
    pub fn is_zero(&self) -> bool {
        *self == Billed::default()
    }

    fn minus(self, other: Billed) -> Billed {
        Billed {
            booked_seconds: self.booked_seconds - other.booked_seconds,
            billed_seconds: self.billed_seconds - other.billed_seconds,
            amount_cents: self.amount_cents - other.amount_cents,
        }
    }

    pub fn plus(self, other: Billed) -> Billed {
        Billed {
            booked_seconds: self.booked_seconds + other.booked_seconds,
            billed_seconds: self.billed_seconds + other.billed_seconds,
            amount_cents: self.amount_cents + other.amount_cents,
        }
    }
}

/// The terms a proposal was approved on. They are fixed when the proposal is made: a later
/// change of the policy's rates does not reach an engagement the customer already approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub cents_per_hour: i64,
    pub blocks: Blocks,
}

impl Terms {
    /// What `booked_seconds` of work on the engagement comes to in all.
    pub fn total(&self, booked_seconds: i64) -> Result<Billed, BillingError> {
        let billed_seconds = billed_seconds(booked_seconds, self.blocks)?;
        Ok(Billed {
            booked_seconds,
            billed_seconds,
            amount_cents: amount_cents(billed_seconds, self.cents_per_hour),
        })
    }
}

/// One engagement's lines in one open month of the billing export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthLines {
    /// What the closed months come to now, less what they billed: only in the first open
    /// month, and only when time in a closed month was withdrawn or added since.
    pub correction: Option<Billed>,
    /// The month's own work: the engagement's total through this month less its total
    /// before it, so a month that crosses a block boundary bills the new block.
    pub work: Option<Billed>,
}

/// The lines of one engagement (`terms`) in an open month. `frozen` is what the closed months
/// billed (their frozen lines added up); `booked_before` the time booked now in every earlier
/// month, `booked_in_month` the time booked in this one. The correction is told only in the
/// first month after the last closed one (`first_open`), so it is billed once.
pub fn month_lines(
    terms: Terms,
    frozen: Billed,
    booked_before: i64,
    booked_in_month: i64,
    first_open: bool,
) -> Result<MonthLines, BillingError> {
    let before = terms.total(booked_before)?;
    let through = terms.total(booked_before + booked_in_month)?;
    let correction = Some(before.minus(frozen)).filter(|c| first_open && !c.is_zero());
    let work = Some(through.minus(before)).filter(|w| !w.is_zero());
    Ok(MonthLines { correction, work })
}
