-- Availability (A1-A5, M1-M2): components and their monitors, the outages they saw,
-- maintenance windows, and exclusions recorded by staff.
CREATE TABLE components (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    production BIGINT NOT NULL DEFAULT 0,
    organization_id BIGINT REFERENCES organizations(id),
    state TEXT NOT NULL DEFAULT 'up',
    created_at BIGINT NOT NULL
);

CREATE TABLE monitors (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES components(id),
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'GET',
    expected_status BIGINT NOT NULL DEFAULT 200,
    body_contains TEXT,
    timeout_ms BIGINT NOT NULL DEFAULT 5000,
    interval_seconds BIGINT NOT NULL DEFAULT 60,
    failing BIGINT NOT NULL DEFAULT 0,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    failing_since BIGINT,
    last_checked_at BIGINT,
    last_error TEXT,
    next_check_at BIGINT NOT NULL,
    lease_until BIGINT
);
CREATE INDEX monitors_due ON monitors(next_check_at);
CREATE INDEX monitors_component ON monitors(component_id);

CREATE TABLE outages (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES components(id),
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    ticket_id BIGINT REFERENCES tickets(id)
);
CREATE INDEX outages_component ON outages(component_id, started_at);

CREATE TABLE maintenance_windows (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES components(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    emergency BIGINT NOT NULL DEFAULT 0,
    work TEXT NOT NULL,
    impact TEXT NOT NULL,
    announced_at BIGINT NOT NULL,
    created_by BIGINT
);
CREATE INDEX maintenance_component ON maintenance_windows(component_id, starts_at);

CREATE TABLE availability_exclusions (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES components(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX exclusions_component ON availability_exclusions(component_id, starts_at);
