//! Versions of the vendor's SLA (G3) and the notices customers give because of one.

/// One version of the vendor's SLA: the whole policy as the core reads it, never edited once
/// published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// The policy's own `version` key, e.g. `basis-2026-03-01`.
    pub version: String,
    /// The full policy, TOML.
    pub policy: String,
    pub summary_en: String,
    pub summary_nl: String,
    /// The moment (Unix seconds) from which tickets filed are measured by it.
    pub effective_at: i64,
    /// A material change needs notice and gives customers the right to terminate (G3).
    pub material: bool,
    /// Who published it; `None` for the built-in first version.
    pub published_by: Option<i64>,
    pub published_at: i64,
}

impl PolicyVersion {
    /// The summary in `language`.
    pub fn summary(&self, language: sladesk_core::text::Language) -> &str {
        match language {
            sladesk_core::text::Language::En => &self.summary_en,
            sladesk_core::text::Language::Nl => &self.summary_nl,
        }
    }
}

/// A customer's notice that it terminates its contract because of a material change (G3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationNotice {
    pub id: i64,
    pub organization_id: i64,
    pub version: String,
    pub user_id: i64,
    pub note: Option<String>,
    pub at: i64,
}
