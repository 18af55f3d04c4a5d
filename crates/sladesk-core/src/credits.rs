//! Guarantees and service credits (G2, S5). By default the SLA's targets are service levels,
//! not guarantees; a contract may turn chosen targets into guarantees with a credit when they
//! are not kept: per breached ticket, or per month under a figure. Money is whole cents.
//!
//! [`credits`] is pure: given a contract's terms and the month's facts (its tickets' clocks,
//! its availability), the credits owed, each with the term and the ticket or figure behind it.

use serde::{Deserialize, Serialize};

use crate::tickets::Priority;

/// What a contract adds to the SLA: a monthly fee and the guarantees on it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractTerms {
    /// The monthly fee, in cents.
    pub monthly_fee_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    #[serde(default)]
    pub guarantees: Vec<Guarantee>,
    /// The most credited in one month, in cents; none: no cap.
    #[serde(default)]
    pub monthly_cap_cents: Option<i64>,
}

/// Which clock a per-ticket guarantee holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuaranteedClock {
    Reaction,
    Resolution,
}

/// A target turned into a guarantee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Guarantee {
    /// Each ticket of `priority` whose `clock` breached its target earns `credit`.
    PerTicket {
        priority: Priority,
        clock: GuaranteedClock,
        credit: Credit,
    },
    /// Fewer than `min_percent` of the month's resolved tickets of `priority` resolved within
    /// `within_seconds` of business time earns `credit` once.
    ResolvedWithin {
        priority: Priority,
        within_seconds: i64,
        min_percent: f64,
        credit: Credit,
    },
    /// Monthly availability under `min_percent` earns `credit` once.
    Availability { min_percent: f64, credit: Credit },
}

/// A credit: a share of the monthly fee (in basis points: 500 = 5 %) or a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Credit {
    FeeBasisPoints(i64),
    FixedCents(i64),
}

impl Credit {
    /// In cents, of `fee_cents`; a share is rounded down to the cent.
    pub fn cents(self, fee_cents: i64) -> i64 {
        match self {
            Credit::FeeBasisPoints(points) => fee_cents.saturating_mul(points) / 10_000,
            Credit::FixedCents(cents) => cents,
        }
    }
}

/// Why terms cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("monthly_fee_cents must not be negative")]
    NegativeFee,
    #[error("currency must be three capital letters (ISO 4217), like EUR")]
    Currency,
    #[error("guarantees[{index}]: {problem}")]
    Guarantee {
        index: usize,
        problem: GuaranteeProblem,
    },
    #[error("monthly_cap_cents must not be negative")]
    NegativeCap,
}

/// What is wrong with one guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuaranteeProblem {
    #[error("within_seconds must be positive")]
    Within,
    #[error("min_percent must be from 0 to 100")]
    Percent,
    #[error("fee_basis_points must be from 0 to 10000")]
    BasisPoints,
    #[error("fixed_cents must not be negative")]
    NegativeCredit,
}

impl ContractTerms {
    /// Checks the terms: amounts not negative, shares and percentages in range.
    pub fn check(&self) -> Result<(), TermsError> {
        if self.monthly_fee_cents < 0 {
            return Err(TermsError::NegativeFee);
        }
        if !(self.currency.len() == 3 && self.currency.chars().all(|c| c.is_ascii_uppercase())) {
            return Err(TermsError::Currency);
        }
        if self.monthly_cap_cents.is_some_and(|c| c < 0) {
            return Err(TermsError::NegativeCap);
        }
        for (index, guarantee) in self.guarantees.iter().enumerate() {
            let bad = |problem| Err(TermsError::Guarantee { index, problem });
            let credit = match guarantee {
                Guarantee::PerTicket { credit, .. } => credit,
                Guarantee::ResolvedWithin {
                    within_seconds,
                    min_percent,
                    credit,
                    ..
                } => {
                    if *within_seconds <= 0 {
                        return bad(GuaranteeProblem::Within);
                    }
                    if !(0.0..=100.0).contains(min_percent) {
                        return bad(GuaranteeProblem::Percent);
                    }
                    credit
                }
                Guarantee::Availability {
                    min_percent,
                    credit,
                } => {
                    if !(0.0..=100.0).contains(min_percent) {
                        return bad(GuaranteeProblem::Percent);
                    }
                    credit
                }
            };
            match credit {
                Credit::FeeBasisPoints(p) if !(0..=10_000).contains(p) => {
                    return bad(GuaranteeProblem::BasisPoints);
                }
                Credit::FixedCents(c) if *c < 0 => return bad(GuaranteeProblem::NegativeCredit),
                _ => {}
            }
        }
        Ok(())
    }
}

/// A ticket of the month, as far as the guarantees are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFact {
    pub id: i64,
    pub priority: Priority,
    pub reaction_breached: bool,
    pub resolution_breached: bool,
    /// Business seconds to resolution, for a ticket resolved in the month.
    pub resolved_in_seconds: Option<i64>,
}

/// What happened in a month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthFacts {
    pub tickets: Vec<TicketFact>,
    /// The month's availability of the contract's platform, if it is measured.
    pub availability_percent: Option<f64>,
}

/// One credit owed, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditLine {
    /// The guarantee's position in the contract's terms.
    pub guarantee: usize,
    /// The ticket behind a per-ticket credit.
    pub ticket_id: Option<i64>,
    /// The month's figure behind a monthly credit (a percentage).
    pub figure: Option<f64>,
    pub cents: i64,
}

/// The credits of a month: each line, and the total after the cap.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditStatement {
    pub currency: String,
    pub lines: Vec<CreditLine>,
    /// The sum of the lines.
    pub owed_cents: i64,
    /// What is credited: the sum, at most the monthly cap.
    pub credited_cents: i64,
    pub capped: bool,
}

/// The credits `terms` give for a month with these facts.
pub fn credits(terms: &ContractTerms, facts: &MonthFacts) -> CreditStatement {
    let fee = terms.monthly_fee_cents;
    let mut lines = Vec::new();
    for (index, guarantee) in terms.guarantees.iter().enumerate() {
        match guarantee {
            Guarantee::PerTicket {
                priority,
                clock,
                credit,
            } => {
                for ticket in facts.tickets.iter().filter(|t| t.priority == *priority) {
                    let breached = match clock {
                        GuaranteedClock::Reaction => ticket.reaction_breached,
                        GuaranteedClock::Resolution => ticket.resolution_breached,
                    };
                    if breached {
                        lines.push(CreditLine {
                            guarantee: index,
                            ticket_id: Some(ticket.id),
                            figure: None,
                            cents: credit.cents(fee),
                        });
                    }
                }
            }
            Guarantee::ResolvedWithin {
                priority,
                within_seconds,
                min_percent,
                credit,
            } => {
                let resolved: Vec<i64> = facts
                    .tickets
                    .iter()
                    .filter(|t| t.priority == *priority)
                    .filter_map(|t| t.resolved_in_seconds)
                    .collect();
                if resolved.is_empty() {
                    continue;
                }
                let within = resolved.iter().filter(|s| **s <= *within_seconds).count();
                let share = within as f64 * 100.0 / resolved.len() as f64;
                if share < *min_percent {
                    lines.push(CreditLine {
                        guarantee: index,
                        ticket_id: None,
                        figure: Some(share),
                        cents: credit.cents(fee),
                    });
                }
            }
            Guarantee::Availability {
                min_percent,
                credit,
            } => {
                if let Some(achieved) = facts.availability_percent
                    && achieved < *min_percent
                {
                    lines.push(CreditLine {
                        guarantee: index,
                        ticket_id: None,
                        figure: Some(achieved),
                        cents: credit.cents(fee),
                    });
                }
            }
        }
    }
    let owed_cents: i64 = lines.iter().map(|l| l.cents).sum();
    let credited_cents = terms
        .monthly_cap_cents
        .map_or(owed_cents, |cap| owed_cents.min(cap));
    CreditStatement {
        currency: terms.currency.clone(),
        capped: credited_cents < owed_cents,
        lines,
        owed_cents,
        credited_cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn high(id: i64, resolution_breached: bool, resolved_in_seconds: Option<i64>) -> TicketFact {
        TicketFact {
            id,
            priority: Priority::High,
            reaction_breached: false,
            resolution_breached,
            resolved_in_seconds,
        }
    }

    #[test]
    fn two_breached_high_tickets_earn_two_credits_up_to_the_cap() {
        let terms = ContractTerms {
            monthly_fee_cents: 250_000,
            currency: "EUR".into(),
            guarantees: vec![Guarantee::PerTicket {
                priority: Priority::High,
                clock: GuaranteedClock::Resolution,
                credit: Credit::FeeBasisPoints(500),
            }],
            monthly_cap_cents: Some(20_000),
        };
        terms.check().unwrap();
        let facts = MonthFacts {
            tickets: vec![
                high(1, true, None),
                high(2, false, None),
                high(3, true, None),
            ],
            availability_percent: Some(100.0),
        };
        let statement = credits(&terms, &facts);
        let tickets: Vec<_> = statement.lines.iter().map(|l| l.ticket_id).collect();
        assert_eq!(tickets, [Some(1), Some(3)]);
        assert_eq!(statement.owed_cents, 25_000);
        assert_eq!(statement.credited_cents, 20_000);
        assert!(statement.capped);
    }

    #[test]
    fn monthly_figures_under_their_guarantee_earn_one_credit_each() {
        let terms = ContractTerms {
            monthly_fee_cents: 100_000,
            currency: "EUR".into(),
            guarantees: vec![
                Guarantee::ResolvedWithin {
                    priority: Priority::High,
                    within_seconds: 8 * 3600,
                    min_percent: 95.0,
                    credit: Credit::FixedCents(7_500),
                },
                Guarantee::Availability {
                    min_percent: 99.99,
                    credit: Credit::FeeBasisPoints(1_000),
                },
            ],
            monthly_cap_cents: None,
        };
        // 19 of 20 within 8 hours is exactly 95 %: kept. Availability 99.95 %: not kept.
        let mut tickets: Vec<_> = (1..=19).map(|i| high(i, false, Some(3600))).collect();
        tickets.push(high(20, true, Some(9 * 3600)));
        let statement = credits(
            &terms,
            &MonthFacts {
                tickets: tickets.clone(),
                availability_percent: Some(99.95),
            },
        );
        assert_eq!(statement.lines.len(), 1);
        assert_eq!(statement.lines[0].guarantee, 1);
        assert_eq!(statement.credited_cents, 10_000);
        // One more late: 19 of 21 is under 95 %.
        tickets.push(high(21, true, Some(10 * 3600)));
        let statement = credits(
            &terms,
            &MonthFacts {
                tickets,
                availability_percent: None,
            },
        );
        assert_eq!(statement.lines.len(), 1);
        assert_eq!(statement.lines[0].guarantee, 0);
        assert_eq!(statement.credited_cents, 7_500);
    }

    #[test]
    fn terms_out_of_range_are_refused_with_the_reason() {
        let mut terms = ContractTerms {
            monthly_fee_cents: 100,
            currency: "eur".into(),
            ..ContractTerms::default()
        };
        assert_eq!(terms.check(), Err(TermsError::Currency));
        terms.currency = "EUR".into();
        terms.guarantees.push(Guarantee::Availability {
            min_percent: 120.0,
            credit: Credit::FixedCents(1),
        });
        assert!(matches!(
            terms.check(),
            Err(TermsError::Guarantee { index: 0, .. })
        ));
    }
}
