-- Releases (R1-R4, M1, G4): each customer instance's ring, the releases with their notes in
-- Dutch and English, and the rollout of a release: its batches and each tenant's update window
-- (also kept as a maintenance window of the tenant's component, so availability never counts
-- an update as downtime and the status page shows it).
--   components.ring: early_access, preview, targeted, broad; NULL while none is assigned
ALTER TABLE components ADD COLUMN ring TEXT;
-- R3: update moments a QaaS contract agreed in writing, as JSON
-- ([{"weekday":"wednesday","at":"21:30"}]); NULL: its tenants go in their ring's batches.
ALTER TABLE organizations ADD COLUMN update_moments TEXT;
--   state: planned, rolling_out, paused, done
--   notes: JSON, a list of {kind: new|improved|fixed|security, en, nl, ring: null or the
--          first ring it is for (early_access and preview notes stay out of the newsletter)}
CREATE TABLE releases (
    id BIGSERIAL PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    planned_start TEXT NOT NULL,
    state TEXT NOT NULL,
    notes TEXT NOT NULL,
    postponed_reason TEXT,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX releases_start ON releases(planned_start);
--   state: planned, done, failed
CREATE TABLE rollout_batches (
    id BIGSERIAL PRIMARY KEY,
    release_id BIGINT NOT NULL REFERENCES releases(id),
    number BIGINT NOT NULL,
    ring TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    finished_at BIGINT,
    finished_by BIGINT,
    UNIQUE (release_id, number)
);
-- One tenant's update in a rollout: in a batch, or at a moment its contract agreed.
CREATE TABLE rollout_windows (
    id BIGSERIAL PRIMARY KEY,
    release_id BIGINT NOT NULL REFERENCES releases(id),
    batch_id BIGINT REFERENCES rollout_batches(id),
    component_id BIGINT NOT NULL REFERENCES components(id),
    ring TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    maintenance_id BIGINT REFERENCES maintenance_windows(id),
    UNIQUE (release_id, component_id)
);
CREATE INDEX rollout_windows_component ON rollout_windows(component_id, starts_at);
-- A maintenance window made by a rollout belongs to it.
ALTER TABLE maintenance_windows ADD COLUMN release_id BIGINT REFERENCES releases(id);
