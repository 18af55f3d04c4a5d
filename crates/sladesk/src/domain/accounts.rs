//! Organisations (customers with a contract) and the people of the desk: what every layer
//! speaks of; `store::accounts` maps them to rows.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sladesk_core::text::Language;

/// Service tier of a contract (G1, G4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Support,
    Qaas,
}

/// What a person may do. Customers belong to one organisation; the rest are vendor staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    FirstLine,
    SecondLine,
    ThirdLine,
    SaasTeam,
    Admin,
}

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }

    /// The staff role that works tickets on support line `line` (T4).
    pub fn for_line(line: i64) -> Role {
        match line {
            1 => Role::FirstLine,
            2 => Role::SecondLine,
            _ => Role::ThirdLine,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub tier: Tier,
    pub products: Vec<String>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// The contract's own SLA policy (G2), TOML laid over a version of the vendor's SLA.
    pub policy: Option<String>,
    /// The version of the vendor's SLA the contract holds to (G2, G3); none: the version in
    /// force when each ticket is filed.
    pub policy_version: Option<String>,
    /// The contract's fee and guarantees (G2, S5); none: its targets are service levels only.
    pub terms: Option<sladesk_core::credits::ContractTerms>,
    /// F1: the contract's size class (by licensed users or connectors, such as `s`, `m`, `l`),
    /// which with the tier makes the cohort its use is compared with.
    pub size_class: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub language: Language,
    pub created_at: i64,
    /// When the person was deactivated; they cannot sign in or use a token since.
    pub disabled_at: Option<i64>,
}
