-- Single sign-on with OpenID Connect (X2): a customer organisation's own provider, the email
-- domains it may vouch for, and the sign-ins under way between the redirect to a provider and
-- the browser's return.
--
-- One provider per organisation. client_secret is kept to exchange codes; the API and the
-- pages never show it again after it is saved.
CREATE TABLE organization_sso (
    organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    -- JSON array of the amr/acr values taken as a second factor done at the provider.
    mfa_values TEXT NOT NULL,
    -- Just-in-time provisioning: a first sign-in of an unknown address of a listed domain
    -- creates the person in this organisation.
    provisioning INTEGER NOT NULL,
    -- Passwords are refused for this organisation's people: single sign-on is the only way in.
    sso_only INTEGER NOT NULL,
    -- 0: an address without an email_verified claim is taken as verified (Entra ID sends
    -- none; its tenants' domains are verified). An explicit false is refused either way.
    verified_email_claim INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- The email domains an organisation's provider may vouch for; a domain belongs to one
-- organisation at most, so an address never lands in two.
CREATE TABLE sso_domains (
    domain TEXT PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id)
);
CREATE INDEX sso_domains_organization ON sso_domains(organization_id);
-- A sign-in under way: kept by the SHA-256 of its state, bound to the browser that started it
-- (the SHA-256 of a cookie), taken once (a replayed state finds nothing). organization_id
-- NULL: the vendor's staff provider.
CREATE TABLE sso_flows (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    organization_id INTEGER,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT,
    language TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sso_flows_expiry ON sso_flows(expires_at);
