//! The text catalogue: one Fluent file per language (`locales/en.ftl`, `locales/nl.ftl`),
//! compiled into the binary. Translators edit those files; arguments (`{ $n }`), plurals and
//! selectors are Fluent's. A key missing in one language, or a template asking for a key that
//! does not exist, fails a test.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use sladesk_core::text::Language;

const ENGLISH: &str = include_str!("../locales/en.ftl");
const DUTCH: &str = include_str!("../locales/nl.ftl");

struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    keys: BTreeSet<String>,
}

fn load(source: &'static str, locale: &str) -> Catalogue {
    // The files are ours and tested: a syntax error is a build mistake, caught by the tests.
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
    let keys = resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect();
    let language = locale.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![language]);
    // No Unicode isolation marks around arguments: the texts go into HTML and mail as they are.
    bundle.set_use_isolating(false);
    let _ = bundle.add_resource(resource);
    Catalogue { bundle, keys }
}

static CATALOGUES: LazyLock<[Catalogue; 2]> =
    LazyLock::new(|| [load(ENGLISH, "en"), load(DUTCH, "nl")]);

fn catalogue(language: Language) -> &'static Catalogue {
    match language {
        Language::En => &CATALOGUES[0],
        Language::Nl => &CATALOGUES[1],
    }
}

/// The text of `key` in `language` with `args`; the key itself if it does not exist (a test
/// makes sure none is missing).
pub fn text_with(language: Language, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let bundle = &catalogue(language).bundle;
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(
        pattern,
        (!args.is_empty()).then_some(&fluent_args),
        &mut errors,
    );
    text.into_owned()
}

/// The text of `key` in `language`.
pub fn text(language: Language, key: &str) -> String {
    text_with(language, key, &[])
}

/// Every key of a language.
pub fn keys(language: Language) -> &'static BTreeSet<String> {
    &catalogue(language).keys
}

/// Every text of a language by key (those with arguments as they stand), for templates.
pub fn all(language: Language) -> serde_json::Map<String, serde_json::Value> {
    keys(language)
        .iter()
        .map(|key| (key.clone(), serde_json::Value::String(text(language, key))))
        .collect()
}

/// The words of the core's vocabularies (statuses, priorities, types, environments): each
/// value is read from the catalogue under `label_<vocabulary>_<value>`.
pub trait Label {
    fn label_key(&self) -> String;

    /// The value in `language`: "In behandeling".
    fn label(&self, language: Language) -> String {
        text(language, &self.label_key())
    }
}

macro_rules! labelled {
    ($($ty:ty => $prefix:literal),* $(,)?) => {
        $(impl Label for $ty {
            fn label_key(&self) -> String {
                format!(concat!("label_", $prefix, "_{}"), self.key())
            }
        })*
    };
}

use sladesk_core::tickets::{Environment, Priority, Status, TicketType};
labelled!(Status => "status", Priority => "priority", TicketType => "type", Environment => "environment");

/// A day of the week in `language`, Monday being 0.
/// Cents as money: "1.250,00 EUR" in Dutch, "1,250.00 EUR" in English.
pub fn money(cents: i64, currency: &str, language: Language) -> String {
    let (whole, part) = (cents.abs() / 100, cents.abs() % 100);
    let decimal = match language {
        Language::Nl => ',',
        Language::En => '.',
    };
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{}{decimal}{part:02} {currency}",
        grouped(whole, language)
    )
}

/// A whole number with its thousands grouped: "1.250" in Dutch, "1,250" in English.
fn grouped(whole: i64, language: Language) -> String {
    let digits = whole.to_string();
    let group = match language {
        Language::Nl => '.',
        Language::En => ',',
    };
    let mut text = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(group);
        }
        text.push(c);
    }
    text
}

/// An amount of use rounded to a whole number, grouped: "48.000" / "48,000".
pub fn amount(value: f64, language: Language) -> String {
    let rounded = value.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!(
        "{sign}{}",
        grouped(rounded.abs().min(9.0e18) as i64, language)
    )
}

/// A fair-use measure by its name in `language` ("API calls" / "API-aanroepen"); one a vendor
/// added is shown as the policy names it.
pub fn measure(language: Language, name: &str) -> String {
    let key = format!("measure_{name}");
    match keys(language).contains(&key) {
        true => text(language, &key),
        false => name.to_string(),
    }
}

/// Seconds as hours, as each language writes them: "4.5 h" / "4,5 u" (up to two decimals,
/// rounded half up; none when whole).
pub fn hours(seconds: i64, language: Language) -> String {
    let hundredths = (seconds.abs() * 100 + 1800) / 3600;
    let (whole, part) = (hundredths / 100, hundredths % 100);
    let mut text = whole.to_string();
    if part != 0 {
        let decimals = format!("{part:02}");
        text.push(match language {
            Language::Nl => ',',
            Language::En => '.',
        });
        text.push_str(decimals.trim_end_matches('0'));
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let unit = match language {
        Language::Nl => "u",
        Language::En => "h",
    };
    format!("{sign}{text} {unit}")
}

/// A share as each language writes it: "93,3 %" in Dutch, "93.3 %" in English (one decimal,
/// none when it is whole).
pub fn percent(value: f64, language: Language) -> String {
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_string();
    match language {
        Language::Nl => format!("{} %", text.replace('.', ",")),
        Language::En => format!("{text} %"),
    }
}

/// A share of a report, or "no tickets" when there was nothing to share (never 0 % or 100 %).
pub fn share(value: Option<f64>, language: Language) -> String {
    value.map_or_else(
        || text(language, "report_no_tickets"),
        |v| percent(v, language),
    )
}

pub fn weekday(language: Language, index: usize) -> String {
    text(language, &format!("weekday_{}", index % 7))
}

/// A value put into a text: as given (a name, an address the reader typed), a number, or a
/// word that is itself a catalogue key (a status, a field) and so read in the text's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Given(String),
    Number(i64),
    Word(String),
    /// Words joined by commas: "new, in progress, closed".
    Words(Vec<String>),
}

/// A text to be read later, in a language not known yet where it is made: a catalogue key
/// and its arguments. Refusals travel as messages to the door that knows the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    pub fn given(mut self, name: &'static str, value: impl ToString) -> Message {
        self.args.push((name, Arg::Given(value.to_string())));
        self
    }

    pub fn number(mut self, name: &'static str, value: i64) -> Message {
        self.args.push((name, Arg::Number(value)));
        self
    }

    pub fn word(mut self, name: &'static str, key: impl Into<String>) -> Message {
        self.args.push((name, Arg::Word(key.into())));
        self
    }

    pub fn words(mut self, name: &'static str, keys: Vec<String>) -> Message {
        self.args.push((name, Arg::Words(keys)));
        self
    }

    /// The message in `language`.
    pub fn text(&self, language: Language) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value: FluentValue<'_> = match arg {
                    Arg::Given(given) => given.clone().into(),
                    Arg::Number(n) => (*n).into(),
                    Arg::Word(key) => text(language, key).into(),
                    Arg::Words(keys) => keys
                        .iter()
                        .map(|key| text(language, key))
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into(),
                };
                (*name, value)
            })
            .collect();
        text_with(language, self.key, &args)
    }

    /// The message as JSON, to be kept in a record (a backup's, a drill's) and told later in
    /// its reader's language with [`stored_text`].
    pub fn to_stored(&self) -> String {
        let args: serde_json::Map<String, serde_json::Value> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Given(given) => serde_json::json!({ "given": given }),
                    Arg::Number(n) => serde_json::json!({ "number": n }),
                    Arg::Word(key) => serde_json::json!({ "word": key }),
                    Arg::Words(keys) => serde_json::json!({ "words": keys }),
                };
                ((*name).to_string(), value)
            })
            .collect();
        serde_json::json!({ "key": self.key, "args": args }).to_string()
    }

    /// Every catalogue key this message uses (its own and its words'), for the tests.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![self.key.to_string()];
        for (_, arg) in &self.args {
            match arg {
                Arg::Word(key) => keys.push(key.clone()),
                Arg::Words(list) => keys.extend(list.iter().cloned()),
                _ => {}
            }
        }
        keys
    }
}

/// A message kept with [`Message::to_stored`], in `language`; a text that is not one is
/// shown as it is.
pub fn stored_text(stored: &str, language: Language) -> String {
    let Ok(serde_json::Value::Object(message)) = serde_json::from_str::<serde_json::Value>(stored)
    else {
        return stored.to_string();
    };
    let Some(key) = message.get("key").and_then(|k| k.as_str()) else {
        return stored.to_string();
    };
    let empty = serde_json::Map::new();
    let args = message
        .get("args")
        .and_then(|a| a.as_object())
        .unwrap_or(&empty);
    let values: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(name, arg)| {
            let value: FluentValue<'_> =
                if let Some(given) = arg.get("given").and_then(|v| v.as_str()) {
                    given.to_string().into()
                } else if let Some(n) = arg.get("number").and_then(|v| v.as_i64()) {
                    n.into()
                } else if let Some(word) = arg.get("word").and_then(|v| v.as_str()) {
                    text(language, word).into()
                } else if let Some(words) = arg.get("words").and_then(|v| v.as_array()) {
                    words
                        .iter()
                        .filter_map(|w| w.as_str())
                        .map(|w| text(language, w))
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into()
                } else {
                    String::new().into()
                };
            (name.as_str(), value)
        })
        .collect();
    text_with(language, key, &values)
}

impl std::fmt::Display for Message {
    /// In English: for logs and for `to_string()` in tests.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Language::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_each_language_writes_it() {
        assert_eq!(money(125_000_050, "EUR", Language::Nl), "1.250.000,50 EUR");
        assert_eq!(money(20_000, "EUR", Language::En), "200.00 EUR");
        assert_eq!(money(5, "EUR", Language::En), "0.05 EUR");
        assert_eq!(money(-60_000, "EUR", Language::En), "-600.00 EUR");
        assert_eq!(amount(48_000.4, Language::Nl), "48.000");
        assert_eq!(amount(1_234_567.5, Language::En), "1,234,568");
        assert_eq!(amount(12.0, Language::En), "12");
        assert_eq!(measure(Language::Nl, "api_calls"), "API-aanroepen");
        assert_eq!(measure(Language::En, "mailboxes"), "mailboxes");
    }

    #[test]
    fn hours_read_as_each_language_writes_them() {
        assert_eq!(hours(4 * 3600, Language::En), "4 h");
        assert_eq!(hours(16_200, Language::Nl), "4,5 u");
        assert_eq!(hours(14_364, Language::En), "3.99 h");
        assert_eq!(hours(-3600, Language::En), "-1 h");
        assert_eq!(hours(60, Language::En), "0.02 h");
    }

    #[test]
    fn shares_read_as_each_language_writes_them() {
        assert_eq!(percent(93.33, Language::Nl), "93,3 %");
        assert_eq!(percent(90.0, Language::En), "90 %");
        assert_eq!(share(None, Language::En), "no tickets");
        assert_eq!(share(None, Language::Nl), "geen tickets");
    }

    #[test]
    fn both_languages_have_the_same_keys_and_parse_cleanly() {
        for source in [ENGLISH, DUTCH] {
            let resource = FluentResource::try_new(source.to_string());
            assert!(resource.is_ok(), "{:?}", resource.err().map(|(_, e)| e));
            let ids = source
                .lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
                .filter(|k| !k.starts_with([' ', '#', '.']))
                .collect::<Vec<_>>();
            let unique: BTreeSet<_> = ids.iter().collect();
            assert_eq!(ids.len(), unique.len(), "a key stands twice");
        }
        let english = keys(Language::En);
        let dutch = keys(Language::Nl);
        let only_en: Vec<_> = english.difference(dutch).collect();
        let only_nl: Vec<_> = dutch.difference(english).collect();
        assert!(
            only_en.is_empty() && only_nl.is_empty(),
            "only in en: {only_en:?}; only in nl: {only_nl:?}"
        );
        assert!(english.len() > 100);
    }

    #[test]
    fn every_vocabulary_word_and_weekday_is_in_the_catalogue() {
        let mut wanted: Vec<String> = Status::ALL.iter().map(|s| s.label_key()).collect();
        wanted.extend(Priority::ALL.iter().map(|p| p.label_key()));
        wanted.extend(TicketType::ALL.iter().map(|t| t.label_key()));
        wanted.extend(Environment::ALL.iter().map(|e| e.label_key()));
        wanted.extend((0..7).map(|d| format!("weekday_{d}")));
        for key in wanted {
            assert!(keys(Language::En).contains(&key), "{key} is missing");
        }
        assert_eq!(Status::InProgress.label(Language::Nl), "In behandeling");
        assert_eq!(weekday(Language::Nl, 0), "maandag");
    }

    #[test]
    fn arguments_fill_in() {
        let text = text_with(Language::Nl, "first_n", &[("n", 100.into())]);
        assert!(text.starts_with("De 100 "), "{text}");
        assert_eq!(text_with(Language::En, "no_such_key", &[]), "no_such_key");
    }
}
