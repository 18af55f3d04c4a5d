-- T2: people ask for a portal account; staff approve (linking them to an organisation) or
-- reject; an approved person sets a password through a one-time activation link.
CREATE TABLE registration_requests (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_at BIGINT,
    user_id BIGINT REFERENCES users(id)
);
CREATE INDEX registration_requests_status ON registration_requests(status, id);
CREATE TABLE activation_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
