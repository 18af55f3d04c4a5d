-- sladesk schema, PostgreSQL. Instants are Unix seconds (BIGINT); booleans are 0/1.
CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    products TEXT NOT NULL DEFAULT '[]',
    valid_from TEXT,
    valid_until TEXT,
    policy TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    organization_id BIGINT REFERENCES organizations(id),
    language TEXT NOT NULL DEFAULT 'nl',
    created_at BIGINT NOT NULL
);
CREATE INDEX users_organization ON users(organization_id, id);
CREATE INDEX users_role ON users(role);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    requester_id BIGINT NOT NULL REFERENCES users(id),
    ticket_type TEXT NOT NULL,
    class TEXT NOT NULL,
    priority TEXT NOT NULL,
    triaged BIGINT NOT NULL DEFAULT 0,
    environment TEXT NOT NULL,
    product TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    line BIGINT NOT NULL DEFAULT 1,
    assignee_id BIGINT REFERENCES users(id),
    policy_version TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Derived from the event log by the SLA engine after every change; never edited by hand.
    breached_at BIGINT,
    next_check_at BIGINT,
    check_lease_until BIGINT
);
CREATE INDEX tickets_status ON tickets(status, id);
CREATE INDEX tickets_organization ON tickets(organization_id, id);
CREATE INDEX tickets_priority ON tickets(priority, id);
CREATE INDEX tickets_line ON tickets(line, id);
CREATE INDEX tickets_breached ON tickets(breached_at);
CREATE INDEX tickets_next_check ON tickets(next_check_at) WHERE next_check_at IS NOT NULL;

ALTER TABLE tickets ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', subject || ' ' || description)) STORED;
CREATE INDEX tickets_search ON tickets USING GIN (search);

CREATE TABLE ticket_events (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    public BIGINT NOT NULL,
    body TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE sla_alerts (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    alert TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, alert)
);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    ticket_id BIGINT,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    sent_at BIGINT,
    lease_until BIGINT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    token_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
