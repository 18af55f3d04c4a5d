-- D1, D2: the desk's own backups and the drills that restore them.
--
-- One row per backup interval (interval_start: the interval's first second, counted from the
-- Unix epoch), so that with several replicas exactly one takes each interval's backup: the
-- replica that inserts the row, or takes over a row whose lease ran out, does it. state:
-- running, verified (restored into a scratch database and checked: the only state that counts
-- toward the recovery point), failed (tried again after lease_until), deleted (by retention).
CREATE TABLE backups (
    id BIGSERIAL PRIMARY KEY,
    interval_start BIGINT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 1,
    started_at BIGINT NOT NULL,
    taken_at BIGINT,
    finished_at BIGINT,
    name TEXT,
    folder TEXT,
    host TEXT,
    size BIGINT,
    sha256 TEXT,
    manifest TEXT,
    backup_ms BIGINT,
    verify_ms BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    -- The off-site copy (object storage, when configured): '' (none), pending, stored,
    -- failed (tried again from offsite_retry_at), with why.
    offsite TEXT NOT NULL DEFAULT '',
    offsite_detail TEXT NOT NULL DEFAULT '',
    offsite_retry_at BIGINT
);
CREATE INDEX backups_verified ON backups(taken_at) WHERE state = 'verified';
-- A drill (D2): a restore of a backup into a scratch target by `sladesk drill`, or a drill the
-- vendor ran by hand and recorded (performed = 'by_hand'), timed against the scenario's RTO.
CREATE TABLE drills (
    id BIGSERIAL PRIMARY KEY,
    scenario TEXT NOT NULL,
    performed TEXT NOT NULL,
    backup_name TEXT,
    started_at BIGINT NOT NULL,
    took_seconds BIGINT NOT NULL,
    rto_seconds BIGINT NOT NULL,
    passed BIGINT NOT NULL,
    met_rto BIGINT NOT NULL,
    ran_by TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX drills_scenario ON drills(scenario, started_at);
-- Alerts about the backups (the recovery point passed), each sent once whatever the replicas.
CREATE TABLE continuity_alerts (
    key TEXT PRIMARY KEY,
    sent_at BIGINT NOT NULL
);
