-- Status page subscriptions (double opt-in), outgoing webhooks' outbox, and the latest
-- resource readings that agents push, with the warning state of each.
CREATE TABLE status_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT
);

CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    sent_at BIGINT,
    lease_until BIGINT
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox(next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE resource_readings (
    component_id BIGINT NOT NULL REFERENCES components(id),
    resource TEXT NOT NULL,
    value REAL NOT NULL,
    at BIGINT NOT NULL,
    warning BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (component_id, resource)
);
