-- Security hardening (X1, X3). Failed sign-in steps are counted per key: an address and a
-- person together, an address alone, a person alone, a person's second step. Each key backs
-- off on its own (desk::throttle says how); a quiet day forgets it.
DROP TABLE login_failures;
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE INDEX throttles_last_failure ON throttles(last_failure_at);
-- Wrong codes typed in a half-signed-in session: a few end it.
ALTER TABLE sessions ADD COLUMN code_failures BIGINT NOT NULL DEFAULT 0;
-- When the last confirmation mail of an unconfirmed subscription went out: at most one an hour.
ALTER TABLE status_subscriptions ADD COLUMN confirmation_sent_at BIGINT;
-- Vulnerability reports (X3) are confidential tickets: only admins and the SaaS team see them.
ALTER TABLE tickets ADD COLUMN confidential BIGINT NOT NULL DEFAULT 0;
