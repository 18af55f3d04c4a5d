-- Progress updates on an outage, posted by the SaaS team and shown on the status page (S3, A5).
CREATE TABLE outage_updates (
    id BIGSERIAL PRIMARY KEY,
    outage_id BIGINT NOT NULL REFERENCES outages(id),
    at BIGINT NOT NULL,
    message TEXT NOT NULL,
    author_id BIGINT
);
CREATE INDEX outage_updates_outage ON outage_updates(outage_id, at);
