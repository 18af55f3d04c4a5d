//! Text shown to people, in the two languages sladesk speaks: Dutch and English.

use serde::{Deserialize, Serialize};

/// A user-facing text in English and Dutch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub nl: String,
}

/// A language a person reads sladesk in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Nl,
}

impl Text {
    pub fn new(en: impl Into<String>, nl: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            nl: nl.into(),
        }
    }

    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::Nl => &self.nl,
        }
    }
}
