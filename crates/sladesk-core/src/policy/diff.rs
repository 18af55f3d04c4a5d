//! What changed between two policies, key by key: the readable diff of two SLA versions (G3).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Policy;

/// One key whose value differs: absent on one side when it was added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChange {
    /// The key as a dotted path, e.g. `priorities.high.resolution`.
    pub key: String,
    /// The value before, as TOML (`"8h"`, `30`, `["08:30-16:30"]`); `None` if it was added.
    pub old: Option<String>,
    /// The value after; `None` if it was removed.
    pub new: Option<String>,
}

/// Every key whose effective value differs between `old` and `new`, in key order. Lists are
/// compared whole (as overlays replace them whole).
pub fn diff(old: &Policy, new: &Policy) -> Vec<KeyChange> {
    let (before, after) = (flatten(&old.effective), flatten(&new.effective));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .map(|key| KeyChange {
            key: key.clone(),
            old: before.get(key).cloned(),
            new: after.get(key).cloned(),
        })
        .collect()
}

fn flatten(table: &toml::Table) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk("", table, &mut out);
    out
}

fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => walk(&path, inner, out),
            other => {
                out.insert(path, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_changed_key_with_both_values() {
        let old = Policy::default_policy();
        let new = Policy::with_overlays(&[r#"
            version = "basis-2027-01-01"
            [priorities.high]
            resolution = "6h"
            [versions]
            notice_days = 45
        "#])
        .unwrap();
        let changes = diff(&old, &new);
        let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "priorities.high.resolution",
                "version",
                "versions.notice_days"
            ]
        );
        assert_eq!(changes[0].new.as_deref(), Some("\"6h\""));
        assert_eq!(changes[2].old.as_deref(), Some("30"));
        assert_eq!(changes[2].new.as_deref(), Some("45"));
        assert!(diff(&old, &Policy::default_policy()).is_empty());
    }
}
