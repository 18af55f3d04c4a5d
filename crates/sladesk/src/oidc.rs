//! The OpenID Connect relying party (X2), around the `openidconnect` crate: discovery (cached
//! an hour per issuer), the authorisation code flow with PKCE, `state` and `nonce`, the code
//! exchange, and the ID token's checks (signature against the provider's published keys,
//! issuer, audience, expiry, nonce), done by the crate, never by hand. When a token is signed
//! by a key the cached key set does not hold, the keys are fetched again once: that is how a
//! provider's key rotation reaches a running server. Claims the ID token lacks (a
//! spec-conforming provider keeps `email` and `groups` for the user info endpoint) are read
//! from the user info endpoint, whose answer the crate checks against the token's subject.
//!
//! It knows nothing of organisations or roles: the desk decides what an identity may do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenClaims, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, StandardErrorResponse,
    StandardTokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long a provider's discovery document and keys are trusted before they are read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// How long a request to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Every claim of a token or user info answer, by name, so that the desk can read the one the
/// configuration names (`groups`, `roles`, …).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AllClaims {
    #[serde(flatten)]
    pub all: Map<String, Value>,
}
impl AdditionalClaims for AllClaims {}

type TokenFields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<TokenFields, CoreTokenType>;
type Client<
    HasAuthUrl = EndpointNotSet,
    HasTokenUrl = EndpointNotSet,
    HasUserInfoUrl = EndpointNotSet,
> = openidconnect::Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
    HasUserInfoUrl,
>;
/// A client as discovery leaves it: the token and user info endpoints named if the provider has them.
type Discovered = Client<EndpointSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The client for `p` from the provider's discovery document.
fn discovered_client(
    p: Provider<'_>,
    metadata: &CoreProviderMetadata,
) -> Result<Discovered, OidcError> {
    Ok(Client::from_provider_metadata(
        metadata.clone(),
        ClientId::new(p.client_id.to_string()),
        Some(ClientSecret::new(p.client_secret.to_string())),
    )
    .set_redirect_uri(redirect_url(p.redirect_url)?))
}

/// What went wrong with a provider, in words an administrator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the provider's address is not valid: {0}")]
    BadIssuer(String),
    #[error("the provider could not be read ({0})")]
    Discovery(String),
    #[error("the provider did not exchange the code ({0})")]
    Exchange(String),
    #[error("the provider answered for another issuer")]
    IssuerMismatch,
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Token(TokenProblem),
    #[error("the user info could not be read ({0})")]
    UserInfo(String),
}

/// Why an ID token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Expired,
    Nonce,
    Signature,
    Audience,
    Issuer,
    Other,
}

impl std::fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenProblem::Expired => "expired",
            TokenProblem::Nonce => "nonce",
            TokenProblem::Signature => "signature",
            TokenProblem::Audience => "audience",
            TokenProblem::Issuer => "issuer",
            TokenProblem::Other => "other",
        })
    }
}

/// A provider as configured: who it is and who sladesk is to it.
#[derive(Clone, Copy)]
pub struct Provider<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    /// Scopes beyond `openid` (e.g. `email`, `profile`, `groups`).
    pub scopes: &'a [String],
    /// sladesk's callback URL, registered at the provider.
    pub redirect_url: &'a str,
}

/// A started sign-in: where to send the browser, and what to keep until it comes back.
#[derive(Debug)]
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// What comes back to finish a sign-in: the provider's code, what was kept since the start,
/// and the callback's `iss` parameter (RFC 9207) when the provider sent one.
#[derive(Clone, Copy)]
pub struct Returned<'a> {
    pub code: &'a str,
    pub verifier: &'a str,
    pub nonce: &'a str,
    pub issuer: Option<&'a str>,
}

/// Who the provider vouched for, after every check.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// Authentication methods (`amr`, RFC 8176) and the context class (`acr`).
    pub amr: Vec<String>,
    pub acr: Option<String>,
    /// Every other claim of the ID token, with the user info's where the token lacked them.
    pub claims: Map<String, Value>,
}

impl Identity {
    /// The strings of a claim that is a string or a list of strings (`groups`).
    pub fn strings(&self, claim: &str) -> Vec<String> {
        match self.claims.get(claim) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }
}

struct Cached {
    metadata: Arc<CoreProviderMetadata>,
    fetched: Instant,
}

/// The relying party of one server: an HTTP client that follows no redirects (a provider's
/// endpoints are named by its discovery document, never by a redirect) and the discovery cache.
pub struct RelyingParty {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
}

impl Default for RelyingParty {
    fn default() -> RelyingParty {
        RelyingParty::new()
    }
}

impl RelyingParty {
    pub fn new() -> RelyingParty {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .unwrap_or_else(|e| {
                // Only a TLS stack that cannot start fails here; the default client then
                // reports the same failure on first use.
                tracing::error!(error = %e, "the OpenID client could not be built as configured");
                reqwest::Client::default()
            });
        RelyingParty {
            http,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The provider's discovery document and keys, from the cache unless stale or `fresh`.
    async fn metadata(
        &self,
        issuer: &str,
        fresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        if !fresh
            && let Ok(cache) = self.cache.lock()
            && let Some(cached) = cache.get(issuer)
            && cached.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(cached.metadata.clone());
        }
        let url = issuer_url(issuer)?;
        let metadata = CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| OidcError::Discovery(chain(&e)))?;
        let metadata = Arc::new(metadata);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                issuer.to_string(),
                Cached {
                    metadata: metadata.clone(),
                    fetched: Instant::now(),
                },
            );
        }
        Ok(metadata)
    }

    /// Starts a sign-in: the authorisation URL with a fresh `state`, `nonce` and PKCE challenge.
    pub async fn start(&self, p: Provider<'_>, ui_locale: &str) -> Result<Started, OidcError> {
        let metadata = self.metadata(p.issuer, false).await?;
        let client = discovered_client(p, &metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(p.scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .add_extra_param("ui_locales", ui_locale.to_string())
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier), checks the ID token as
    /// of `now` (Unix seconds, the desk's clock) against `nonce`, and returns the identity.
    /// `wanted_claims` are read from the user info endpoint when the ID token lacks them.
    pub async fn finish(
        &self,
        p: Provider<'_>,
        back: Returned<'_>,
        wanted_claims: &[&str],
        now: i64,
    ) -> Result<Identity, OidcError> {
        let Returned {
            code,
            verifier,
            nonce,
            issuer: returned_issuer,
        } = back;
        if returned_issuer
            .is_some_and(|iss| iss.trim_end_matches('/') != p.issuer.trim_end_matches('/'))
        {
            return Err(OidcError::IssuerMismatch);
        }
        let metadata = self.metadata(p.issuer, false).await?;
        let client = discovered_client(p, &metadata)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Discovery(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(chain(&e)))?;
        let id_token = token
            .extra_fields()
            .id_token()
            .ok_or(OidcError::NoIdToken)?;
        let at = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
        let nonce = Nonce::new(nonce.to_string());
        let checked = {
            let verifier = client.id_token_verifier().set_time_fn(move || at);
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims: IdTokenClaims<AllClaims, CoreGenderClaim> = match checked {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key the cached set does not hold: the provider rotated its keys.
                let metadata = self.metadata(p.issuer, true).await?;
                let client = discovered_client(p, &metadata)?;
                let verifier = client.id_token_verifier().set_time_fn(move || at);
                id_token.claims(&verifier, &nonce).cloned()
            }
            other => other,
        }
        .map_err(|e| OidcError::Token(problem(&e)))?;

        let mut identity = Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            amr: claims
                .auth_method_refs()
                .map(|all| all.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.to_string()),
            claims: claims.additional_claims().all.clone(),
        };
        let lacking = identity.email.is_none()
            || wanted_claims
                .iter()
                .any(|c| !identity.claims.contains_key(*c));
        if lacking && metadata.userinfo_endpoint().is_some() {
            let info: UserInfoClaims<AllClaims, CoreGenderClaim> = client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| OidcError::UserInfo(e.to_string()))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::UserInfo(chain(&e)))?;
            if identity.email.is_none() {
                identity.email = info.email().map(|e| e.to_string());
                identity.email_verified = info.email_verified();
            }
            if identity.name.is_none() {
                identity.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
            }
            for (claim, value) in info.additional_claims().all.iter() {
                identity
                    .claims
                    .entry(claim.clone())
                    .or_insert_with(|| value.clone());
            }
        }
        Ok(identity)
    }

    /// Reads the provider's discovery document now (an administrator's "test the provider").
    pub async fn check(&self, issuer: &str) -> Result<(), OidcError> {
        self.metadata(issuer, true).await.map(|_| ())
    }
}

/// An issuer URL: HTTPS, or HTTP on this machine's loopback only (a provider in a test).
pub fn issuer_url(issuer: &str) -> Result<IssuerUrl, OidcError> {
    let url = IssuerUrl::new(issuer.trim().to_string())
        .map_err(|e| OidcError::BadIssuer(e.to_string()))?;
    let parsed = url.url();
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match parsed.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(OidcError::BadIssuer(
            "an issuer must be an https:// address".into(),
        )),
    }
}

fn redirect_url(url: &str) -> Result<RedirectUrl, OidcError> {
    RedirectUrl::new(url.to_string())
        .map_err(|e| OidcError::BadIssuer(format!("redirect URL: {e}")))
}

fn problem(e: &ClaimsVerificationError) -> TokenProblem {
    match e {
        ClaimsVerificationError::Expired(_) => TokenProblem::Expired,
        ClaimsVerificationError::InvalidNonce(_) => TokenProblem::Nonce,
        ClaimsVerificationError::SignatureVerification(_) => TokenProblem::Signature,
        ClaimsVerificationError::InvalidAudience(_) => TokenProblem::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => TokenProblem::Issuer,
        _ => TokenProblem::Other,
    }
}

/// An error and its causes on one line (a provider's refusal is in the causes).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_https_unless_on_this_machine() {
        assert!(issuer_url("https://login.example.com/realms/x").is_ok());
        assert!(issuer_url("http://127.0.0.1:4000").is_ok());
        assert!(issuer_url("http://localhost:4000").is_ok());
        assert!(matches!(
            issuer_url("http://idp.example.com"),
            Err(OidcError::BadIssuer(_))
        ));
        assert!(matches!(
            issuer_url("not a url"),
            Err(OidcError::BadIssuer(_))
        ));
    }

    #[test]
    fn a_claim_is_read_as_one_string_or_a_list() {
        let mut identity = Identity {
            issuer: String::new(),
            subject: "s".into(),
            email: None,
            email_verified: None,
            name: None,
            amr: Vec::new(),
            acr: None,
            claims: Map::new(),
        };
        identity
            .claims
            .insert("groups".into(), serde_json::json!(["a", 3, "b"]));
        identity
            .claims
            .insert("role".into(), serde_json::json!("x"));
        assert_eq!(identity.strings("groups"), ["a", "b"]);
        assert_eq!(identity.strings("role"), ["x"]);
        assert!(identity.strings("none").is_empty());
    }
}
