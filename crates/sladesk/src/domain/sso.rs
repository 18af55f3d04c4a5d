//! Single sign-on (X2): a customer organisation's OpenID provider as the desk keeps it, and
//! the rules of its settings (domains, the values that count as a second factor).

use serde::{Deserialize, Serialize};

/// The `amr` (RFC 8176) and `acr` values taken, by default, as "a second factor was done at
/// the provider": Entra ID and Okta say `mfa`; others name the factor.
pub const DEFAULT_MFA_VALUES: [&str; 6] = ["mfa", "otp", "hwk", "swk", "sms", "fido"];

/// A customer organisation's provider, as shown: the client secret never is, only whether one
/// is saved.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrganizationSso {
    pub organization_id: i64,
    /// The provider's issuer (`https://login.microsoftonline.com/{tenant}/v2.0`, …).
    pub issuer: String,
    pub client_id: String,
    pub client_secret_set: bool,
    /// The email domains the provider may vouch for (lower case).
    pub domains: Vec<String>,
    /// A first sign-in of an unknown address of one of the domains creates the person.
    pub provisioning: bool,
    /// Passwords are refused for the organisation's people.
    pub sso_only: bool,
    /// The `amr`/`acr` values that count as a second factor done at the provider.
    pub mfa_values: Vec<String>,
    /// An address counts only with `email_verified: true`; when false, an address without
    /// the claim counts too (Entra ID sends none), and an explicit `false` never does.
    pub verified_email_claim: bool,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// An organisation's single sign-on: its provider, or none (people sign in with passwords).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SsoSetting {
    pub organization_id: i64,
    pub provider: Option<OrganizationSso>,
}

/// What an admin sends to set an organisation's provider.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoSettings {
    #[schema(
        example = "https://login.example.com/realms/acme",
        min_length = 1,
        max_length = 500
    )]
    pub issuer: String,
    #[schema(example = "sladesk", min_length = 1, max_length = 300)]
    pub client_id: String,
    /// Required the first time; left out, the saved secret stays.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub client_secret: Option<String>,
    #[schema(example = json!(["acme.example"]), min_items = 1, max_items = 50)]
    pub domains: Vec<String>,
    #[serde(default = "yes")]
    pub provisioning: bool,
    #[serde(default)]
    pub sso_only: bool,
    /// Left out: [`DEFAULT_MFA_VALUES`].
    #[serde(default)]
    pub mfa_values: Option<Vec<String>>,
    /// `false` for providers that send no `email_verified` claim (Entra ID).
    #[serde(default = "yes")]
    pub verified_email_claim: bool,
}

fn yes() -> bool {
    true
}

/// A domain as kept: lower case, no leading `@` or dot; `None` if it is not a domain name.
pub fn normalise_domain(domain: &str) -> Option<String> {
    let domain = domain
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid.then_some(domain)
}

/// The domain of an email address, lower case.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .and_then(|(_, domain)| normalise_domain(domain))
}

/// Whether an identity's `amr` or `acr` names a second factor among `values`.
pub fn second_factor_done(amr: &[String], acr: Option<&str>, values: &[String]) -> bool {
    amr.iter()
        .map(String::as_str)
        .chain(acr)
        .any(|said| values.iter().any(|v| v.eq_ignore_ascii_case(said)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_kept_in_one_spelling() {
        assert_eq!(
            normalise_domain(" @ACME.example. ").as_deref(),
            Some("acme.example")
        );
        assert_eq!(normalise_domain("a-b.co.uk").as_deref(), Some("a-b.co.uk"));
        assert_eq!(normalise_domain("localhost"), None);
        assert_eq!(normalise_domain("-bad.example"), None);
        assert_eq!(normalise_domain("evil.example/x"), None);
        assert_eq!(normalise_domain("a..example"), None);
        assert_eq!(
            email_domain("Ann@Acme.Example").as_deref(),
            Some("acme.example")
        );
        assert_eq!(email_domain("no-at-sign"), None);
    }

    #[test]
    fn a_second_factor_is_read_from_amr_or_acr() {
        let values: Vec<String> = DEFAULT_MFA_VALUES.iter().map(|v| v.to_string()).collect();
        assert!(second_factor_done(
            &["pwd".into(), "otp".into()],
            None,
            &values
        ));
        assert!(second_factor_done(&[], Some("MFA"), &values));
        assert!(!second_factor_done(&["pwd".into()], Some("pwd"), &values));
        assert!(!second_factor_done(&[], None, &values));
        assert!(!second_factor_done(&["otp".into()], None, &[]));
    }
}
