-- Push monitors (an outside agent calls in; silence is "agent unreachable"), and per-minute
-- roll-ups of check results (raw results are not kept; roll-ups are pruned by age).
ALTER TABLE monitors ADD COLUMN last_beat_at BIGINT;
CREATE TABLE monitor_minutes (
    monitor_id BIGINT NOT NULL REFERENCES monitors(id),
    minute BIGINT NOT NULL,
    checks BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (monitor_id, minute)
);
CREATE INDEX monitor_minutes_age ON monitor_minutes(minute);
