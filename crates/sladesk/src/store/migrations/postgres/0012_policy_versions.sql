-- SLA versions (G3): each version of the vendor's policy, stored whole and never edited once
-- published. The moment a version takes effect is unique, so two staff publishing at once
-- cannot both put a version in force at the same moment.
CREATE TABLE policy_versions (
    version TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    summary_nl TEXT NOT NULL,
    effective_at BIGINT NOT NULL UNIQUE,
    material BIGINT NOT NULL,
    published_by BIGINT REFERENCES users(id),
    published_at BIGINT NOT NULL
);
-- A customer's notice that it terminates the contract because of a material change (G3):
-- recorded, never acted on by sladesk. One per organisation and version.
CREATE TABLE termination_notices (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    version TEXT NOT NULL REFERENCES policy_versions(version),
    user_id BIGINT NOT NULL REFERENCES users(id),
    note TEXT,
    at BIGINT NOT NULL,
    UNIQUE (organization_id, version)
);
-- Whether a customer contact wants contract mail (announcements of SLA versions).
ALTER TABLE user_preferences ADD COLUMN mail_contract BIGINT NOT NULL DEFAULT 1;
-- The version a contract's own policy is laid over (G2); none: the version in force.
ALTER TABLE organizations ADD COLUMN policy_version TEXT;
